// khabar demo: renders one article right to left, links the names it mentions to their cards, and shows the
// meeting it reports. Everything comes from the public API; no framework, no build step.

const api = async (path) => {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
};
const get = async (kind, id) => (await api(`/v1/${kind}/${encodeURIComponent(id)}`)).data;
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
};
const rtlLanguages = new Set(['ar', 'fa', 'he', 'ur']);
const cardId = (type, slug) => `${type}-${slug}`;
const singular = { people: 'person', organisations: 'organisation', meetings: 'meeting' };

/** The article's mentions as { part, start, end, type, slug }: offsets into the title or into body_text. */
async function mentions(article, entities) {
  const contract = await api('/openapi.json');
  if (contract.paths['/v1/articles/{id}/mentions']) {
    const { data } = await api(`/v1/articles/${article.id}/mentions`);
    return data.map((m) => ({ part: m.part, start: m.start, end: m.end, type: singular[m.entity.type] ?? m.entity.type, slug: m.entity.slug }));
  }
  // Until the API serves mentions: every occurrence of the name of a record the article is about.
  const found = entities.flatMap(({ type, record }) =>
    [record.name, ...(record.aliases ?? [])].flatMap((name) =>
      [...article.body_text.matchAll(new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g'))].map((m) => ({
        part: 'body',
        start: m.index,
        end: m.index + name.length,
        type,
        slug: record.slug,
      })),
    ),
  );
  return found.sort((a, b) => a.start - b.start || b.end - a.end).filter((m, i, all) => i === 0 || m.start >= all[i - 1].end);
}

/** One block's text with its mentions as links; `offset` is where the block starts in body_text. */
function linked(text, offset, spans) {
  const nodes = [];
  let at = 0;
  for (const span of spans) {
    const start = span.start - offset;
    const end = span.end - offset;
    if (start < at || end > text.length) continue;
    nodes.push(text.slice(at, start));
    nodes.push(el('a', { className: 'mention', href: `#${cardId(span.type, span.slug)}`, textContent: text.slice(start, end) }));
    at = end;
  }
  nodes.push(text.slice(at));
  return nodes;
}

function renderBody(article, spans) {
  let offset = 0;
  const blocks = article.body.map((block) => {
    const inBlock = spans.filter((s) => s.start >= offset && s.end <= offset + block.text.length);
    const node = el(block.type === 'heading' ? 'h2' : 'p', {}, ...linked(block.text, offset, inBlock));
    offset += block.text.length + 2; // blocks are joined by a blank line in body_text
    return node;
  });
  document.getElementById('body').replaceChildren(...blocks);
}

const field = (term, value) => (value ? [el('dt', { textContent: term }), el('dd', {}, value)] : []);
const list = (items) => el('ul', {}, ...items.map((item) => el('li', { textContent: item })));
const link = (type, record) => el('a', { href: `#${cardId(type, record.slug)}`, textContent: record.name ?? record.title });
const roles = { host: 'مضيف', guest: 'ضيف', delegate: 'عضو وفد' };
const statuses = { planned: 'مقرر', held: 'عُقد', cancelled: 'أُلغي' };
const apiLink = (kind, record) => el('a', { className: 'meta', href: `/v1/${kind}/${record.id}`, textContent: 'JSON' });

async function meetingCard(meeting) {
  const host = meeting.host_organisation_id ? await get('organisations', meeting.host_organisation_id) : null;
  const participants = await Promise.all(
    meeting.participants.map(async (p) => {
      const person = await get('people', p.person_id);
      const org = p.organisation_id ? await get('organisations', p.organisation_id) : null;
      return el('li', {}, link('person', person), ` — ${roles[p.role] ?? p.role}`, org ? ` (${org.name})` : '');
    }),
  );
  return el(
    'div',
    { className: 'card meeting', id: cardId('meeting', meeting.slug) },
    el('h3', { textContent: 'الاجتماع' }),
    el('p', { textContent: meeting.title }),
    el(
      'dl',
      {},
      ...field('الحالة', statuses[meeting.status] ?? meeting.status),
      ...field('الموعد', meeting.starts_at ?? meeting.date_text),
      ...field('المكان', meeting.location),
      ...field('المضيف', host && link('organisation', host)),
      ...field('المشاركون', el('ul', {}, ...participants)),
      ...field('المحاور', meeting.topics.length ? list(meeting.topics) : null),
      ...field('النتائج', meeting.outcomes.length ? list(meeting.outcomes) : null),
    ),
    apiLink('meetings', meeting),
  );
}

const personCard = (person) =>
  el(
    'div',
    { className: 'card', id: cardId('person', person.slug) },
    el('h3', { textContent: [person.honorific, person.name].filter(Boolean).join(' ') }),
    el('p', { textContent: person.position ?? '' }),
    apiLink('people', person),
  );

const organisationCard = (org, parent) =>
  el(
    'div',
    { className: 'card', id: cardId('organisation', org.slug) },
    el('h3', { textContent: org.name }),
    parent ? el('p', {}, 'تتبع ', link('organisation', parent)) : null,
    apiLink('organisations', org),
  );

async function main() {
  const wanted = new URLSearchParams(location.search).get('article');
  const article = wanted ? await get('articles', wanted) : (await api('/v1/articles?limit=1')).data[0];
  if (!article) throw new Error('no article');
  const [people, organisations, meetings] = await Promise.all([
    Promise.all(article.person_ids.map((id) => get('people', id))),
    Promise.all(article.organisation_ids.map((id) => get('organisations', id))),
    Promise.all(article.meeting_ids.map((id) => get('meetings', id))),
  ]);
  const entities = [...people.map((record) => ({ type: 'person', record })), ...organisations.map((record) => ({ type: 'organisation', record }))];

  const node = document.getElementById('article');
  node.lang = article.language;
  node.dir = rtlLanguages.has(article.language.split('-')[0]) ? 'rtl' : 'ltr';
  const spans = await mentions(article, entities);
  const inPart = (part) => spans.filter((span) => span.part === part);
  document.getElementById('headline').replaceChildren(...linked(article.title, 0, inPart('title')));
  document.getElementById('byline').textContent = article.source ? `المصدر: ${article.source}` : '';
  renderBody(article, inPart('body'));

  const parents = await Promise.all(organisations.map((o) => (o.parent_id ? get('organisations', o.parent_id) : null)));
  document.getElementById('meetings').replaceChildren(...(await Promise.all(meetings.map(meetingCard))));
  document.getElementById('people').replaceChildren(...people.map(personCard));
  document.getElementById('organisations').replaceChildren(...organisations.map((o, i) => organisationCard(o, parents[i])));
  node.hidden = false;
  document.getElementById('cards').hidden = false;
  document.getElementById('status').textContent = '';
  document.body.dataset.ready = 'true';
}

main().catch((error) => {
  document.getElementById('status').textContent = `تعذّر التحميل: ${error.message}`;
  document.body.dataset.ready = 'failed';
});
