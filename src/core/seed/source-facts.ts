/**
 * What the source document states about the people, organisations and meeting it names.
 * Each value comes with the quote from the document that supports it (a test checks every quote
 * against the text); a value the document does not give is null. Nothing here is translated.
 * Records refer to each other by slug.
 */
export interface Fact<T> {
  value: T;
  quote: string;
}

const fact = <T>(value: T, quote: string): Fact<T> => ({ value, quote });

export const kuwaitInterior = 'وزارة-الداخلية-الكويتية';
export const saudiInterior = 'وزارة-الداخلية-السعودية';
export const civilAffairsAgency = 'وكالة-وزارة-الداخلية-للأحوال-المدنية';
export const alAdwani = 'علي-العدواني';
export const alMurabba = 'صالح-المربع';

export const sourceOrganisations = [
  {
    slug: kuwaitInterior,
    name: fact('وزارة الداخلية الكويتية', 'بحسب بيان صادر عن وزارة الداخلية الكويتية'),
    kind: fact('ministry' as const, 'وزارة الداخلية الكويتية'),
    country: fact('KW', 'وزارة الداخلية الكويتية'),
    parent: null,
    aliases: [],
  },
  {
    slug: saudiInterior,
    name: fact('وزارة الداخلية السعودية', 'وفد رفيع المستوى من وزارة الداخلية السعودية'),
    kind: fact('ministry' as const, 'وزارة الداخلية السعودية'),
    country: fact('SA', 'وزارة الداخلية السعودية'),
    parent: null,
    // The title names the ministry by its short name in quotes plus the country: «الداخلية» السعودية.
    // «الداخلية» alone is not an alias: the body uses «وزارة الداخلية» for either ministry.
    aliases: [fact('«الداخلية» السعودية', 'وفد من «الداخلية» السعودية')],
  },
  {
    slug: civilAffairsAgency,
    name: fact('وكالة وزارة الداخلية للأحوال المدنية', 'المشرف على وكالة وزارة الداخلية للأحوال المدنية السعودية'),
    kind: fact('agency' as const, 'وكالة وزارة الداخلية للأحوال المدنية'),
    country: fact('SA', 'وكالة وزارة الداخلية للأحوال المدنية السعودية'),
    parent: fact(saudiInterior, 'وكالة وزارة الداخلية للأحوال المدنية السعودية'),
    aliases: [],
  },
];

export const sourcePeople = [
  {
    slug: alAdwani,
    name: fact('علي العدواني', 'اللواء علي العدواني'),
    honorific: fact('اللواء', 'اللواء علي العدواني'),
    position: fact('وكيل وزارة الداخلية الكويتي المؤقت', 'عقد وكيل وزارة الداخلية الكويتي المؤقت اللواء علي العدواني'),
    country: fact('KW', 'وكيل وزارة الداخلية الكويتي'),
    // The surname alone, as the title and the second paragraph use it.
    aliases: [fact('العدواني', 'استقبل اللواء العدواني')],
    affiliations: [
      {
        organisation: fact(kuwaitInterior, 'وكيل وزارة الداخلية الكويتي'),
        role: fact('وكيل وزارة الداخلية', 'وكيل وزارة الداخلية الكويتي المؤقت'),
        acting: fact(true, 'وكيل وزارة الداخلية الكويتي المؤقت'),
      },
    ],
  },
  {
    slug: alMurabba,
    name: fact('صالح المربع', 'اللواء صالح المربع'),
    honorific: fact('اللواء', 'اللواء صالح المربع'),
    position: fact('المشرف على وكالة وزارة الداخلية للأحوال المدنية السعودية', 'المشرف على وكالة وزارة الداخلية للأحوال المدنية السعودية اللواء صالح المربع'),
    country: fact('SA', 'وكالة وزارة الداخلية للأحوال المدنية السعودية اللواء صالح المربع'),
    aliases: [],
    affiliations: [
      {
        organisation: fact(civilAffairsAgency, 'المشرف على وكالة وزارة الداخلية للأحوال المدنية السعودية'),
        role: fact('المشرف على وكالة وزارة الداخلية للأحوال المدنية', 'المشرف على وكالة وزارة الداخلية للأحوال المدنية السعودية'),
        // The document does not say whether the post is held in an acting capacity.
        acting: null,
      },
    ],
  },
];

const lead =
  'عقد وكيل وزارة الداخلية الكويتي المؤقت اللواء علي العدواني اجتماعًا مع وفد رفيع المستوى من وزارة الداخلية السعودية أمس الأربعاء لمناقشة سبل تعزيز التعاون الأمني وتبادل الخبرات في المجالات الإدارية والتقنية.';

/** The list values are quotes themselves: each topic and outcome is a phrase of the document. */
export const sourceMeeting = {
  status: fact('held' as const, 'عقد وكيل وزارة الداخلية الكويتي المؤقت اللواء علي العدواني اجتماعًا'),
  starts_at: null,
  date_text: fact('أمس الأربعاء', 'اجتماعًا مع وفد رفيع المستوى من وزارة الداخلية السعودية أمس الأربعاء'),
  location: fact('مقر وزارة الداخلية', 'استقبل اللواء العدواني، في مقر وزارة الداخلية'),
  summary: fact(lead, lead),
  topics: [
    'تعزيز التعاون الأمني',
    'تبادل الخبرات في المجالات الإدارية والتقنية',
    'الإجراءات المتعلقة بتقديم الخدمات للمواطنين',
    'مكافحة الإرهاب',
    'الجريمة المنظمة',
    'التهريب',
    'تبادل المعلومات والخبرات في مجال تطوير الأنظمة الإدارية والتقنية المستخدمة في عمل وزارة الداخلية',
    'سبل تفعيل مسارات التعاون الخليجي المشترك في المجالات الأمنية والإدارية',
  ],
  outcomes: [
    'التوصل إلى عدد من التفاهمات التي ستساهم في تعزيز التعاون الثنائي بين البلدين',
    'من المتوقع أن يتم تشكيل لجان فنية مشتركة بين الكويت والسعودية لمتابعة تنفيذ التفاهمات التي تم التوصل إليها خلال الاجتماع',
    'سيتم التركيز على تطوير برامج تدريبية مشتركة للعاملين في وزارة الداخلية في كلا البلدين',
  ],
  host: fact(kuwaitInterior, 'استقبل اللواء العدواني، في مقر وزارة الداخلية'),
  participants: [
    { person: alAdwani, organisation: kuwaitInterior, role: 'host' as const, quote: 'استقبل اللواء العدواني، في مقر وزارة الداخلية' },
    {
      person: alMurabba,
      organisation: saudiInterior,
      role: 'guest' as const,
      quote: 'المشرف على وكالة وزارة الداخلية للأحوال المدنية السعودية اللواء صالح المربع والوفد المرافق له',
    },
  ],
  organisations: [
    fact(kuwaitInterior, 'بحسب بيان صادر عن وزارة الداخلية الكويتية'),
    fact(saudiInterior, 'وفد رفيع المستوى من وزارة الداخلية السعودية'),
    fact(civilAffairsAgency, 'المشرف على وكالة وزارة الداخلية للأحوال المدنية السعودية'),
  ],
};

export const sourceArticle = {
  language: 'ar',
  source: fact('بيان صادر عن وزارة الداخلية الكويتية', 'بحسب بيان صادر عن وزارة الداخلية الكويتية'),
};
