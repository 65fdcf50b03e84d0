/**
 * Every place the source document names one of the seeded entities, including short and indirect forms.
 * A mention is declared by its text and, where that text occurs more than once, by a longer quote around
 * it that occurs once: offsets are computed from the text, never typed by hand.
 *
 * Judgement calls, kept true to the text:
 * - mentions do not overlap: «وكالة وزارة الداخلية للأحوال المدنية السعودية» is the agency only, and
 *   «وكيل وزارة الداخلية الكويتي» standing alone for the undersecretary is the person only;
 * - in the lead, «وكيل وزارة الداخلية الكويتي المؤقت اللواء علي العدواني» names the ministry inside the
 *   position (the undersecretary of which ministry) and then the person, so both are recorded;
 * - «وزارة الداخلية» is a mention only where it means one ministry: «مقر وزارة الداخلية» is the Kuwaiti one
 *   (where al-Adwani received the delegation); «عمل وزارة الداخلية» and «للعاملين في وزارة الداخلية في كلا
 *   البلدين» speak of the ministries of both countries and are not mentions;
 * - the meeting is «اجتماعًا» (the one that was held), «اللقاء», «الزيارة» and «الاجتماع» where they refer to it;
 *   «الزيارات والاجتماعات» (visits in general) and «اجتماعات هذه اللجان» (future meetings) do not.
 */
import type { ArticlePart } from '../facts/table.js';
import { alAdwani, alMurabba, civilAffairsAgency, kuwaitInterior, saudiInterior } from './source-facts.js';

export interface DeclaredMention {
  type: 'person' | 'organisation' | 'meeting';
  /** The entity's slug; null for the meeting the document reports. */
  slug: string | null;
  part: ArticlePart;
  text: string;
  /** A quote that occurs once in the part and contains the text; the text itself when left out. */
  within?: string;
}

const person = (slug: string, text: string, within?: string, part: ArticlePart = 'body'): DeclaredMention => ({ type: 'person', slug, part, text, ...(within ? { within } : {}) });
const organisation = (slug: string, text: string, within?: string, part: ArticlePart = 'body'): DeclaredMention => ({ type: 'organisation', slug, part, text, ...(within ? { within } : {}) });
const meeting = (text: string, within: string): DeclaredMention => ({ type: 'meeting', slug: null, part: 'body', text, within });

export const sourceMentions: DeclaredMention[] = [
  person(alAdwani, 'العدواني', 'العدواني بحث مع وفد', 'title'),
  organisation(saudiInterior, '«الداخلية» السعودية', undefined, 'title'),

  organisation(kuwaitInterior, 'وزارة الداخلية', 'عقد وكيل وزارة الداخلية الكويتي المؤقت'),
  person(alAdwani, 'اللواء علي العدواني'),
  meeting('اجتماعًا', 'العدواني اجتماعًا مع وفد'),
  organisation(saudiInterior, 'وزارة الداخلية السعودية', 'وفد رفيع المستوى من وزارة الداخلية السعودية'),
  meeting('اللقاء', 'يهدف هذا اللقاء'),
  person(alAdwani, 'اللواء العدواني', 'استقبل اللواء العدواني'),
  organisation(kuwaitInterior, 'وزارة الداخلية', 'في مقر وزارة الداخلية،'),
  organisation(civilAffairsAgency, 'وكالة وزارة الداخلية للأحوال المدنية السعودية'),
  person(alMurabba, 'اللواء صالح المربع'),
  meeting('الزيارة', 'وتعد هذه الزيارة'),
  organisation(kuwaitInterior, 'وزارة الداخلية الكويتية', 'بحسب بيان صادر عن وزارة الداخلية الكويتية'),
  meeting('الاجتماع', 'ركز الاجتماع'),
  organisation(kuwaitInterior, 'وزارة الداخلية الكويتية', 'وأكدت وزارة الداخلية الكويتية'),
  meeting('الزيارة', 'وصفت الزيارة'),
  person(alAdwani, 'وكيل وزارة الداخلية الكويتي', 'استقبل وكيل وزارة الداخلية الكويتي أيضًا'),
  meeting('الاجتماع', 'التوصل إليها خلال الاجتماع'),
];

/** Where a declared mention is in its part: the offsets of its text inside its one-time quote. */
export function locateMention(declared: DeclaredMention, partText: string): { start: number; end: number } {
  const within = declared.within ?? declared.text;
  const at = partText.indexOf(within);
  if (at === -1 || partText.indexOf(within, at + 1) !== -1) {
    throw new Error(`the quote must occur exactly once in the ${declared.part}: ${within}`);
  }
  const offset = within.indexOf(declared.text);
  if (offset === -1) throw new Error(`the quote does not contain the mention: ${declared.text}`);
  return { start: at + offset, end: at + offset + declared.text.length };
}
