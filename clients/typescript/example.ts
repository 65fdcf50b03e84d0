/**
 * Lists the articles and the people each mentions, with the typed client.
 * Run against a server: `KHABAR_URL=http://127.0.0.1:3000 npx tsx clients/typescript/example.ts`
 */
import { createKhabarClient, unwrap } from './client.js';

const khabar = createKhabarClient(process.env.KHABAR_URL ?? 'http://127.0.0.1:3000');

// One request: `include=people` embeds each article's people next to its person_ids.
const articles = unwrap(await khabar.GET('/v1/articles', { params: { query: { limit: 20, include: 'people' } } }));
for (const article of articles.data) {
  console.log(article.title);
  for (const person of article.people ?? []) {
    const name = [person.honorific, person.name].filter(Boolean).join(' ');
    console.log(`  - ${name}${person.position ? ` (${person.position})` : ''}`);
  }
}
