/**
 * Lists the articles and the people each mentions, with the typed client.
 * Run against a server: `KHABAR_URL=http://127.0.0.1:3000 npx tsx clients/typescript/example.ts`
 */
import { createKhabarClient, unwrap } from './client.js';

const khabar = createKhabarClient(process.env.KHABAR_URL ?? 'http://127.0.0.1:3000');

const articles = unwrap(await khabar.GET('/v1/articles', { params: { query: { limit: 20 } } }));
for (const article of articles.data) {
  console.log(article.title);
  for (const id of article.person_ids) {
    const { data: person } = unwrap(await khabar.GET('/v1/people/{id}', { params: { path: { id } } }));
    const name = [person.honorific, person.name].filter(Boolean).join(' ');
    console.log(`  - ${name}${person.position ? ` (${person.position})` : ''}`);
  }
}
