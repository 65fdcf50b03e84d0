import { parseSourceDocument } from '../resources/articles/source-document.js';
import { sourceMeeting, sourcePeople } from './source-facts.js';

/**
 * The words the synthetic data set is composed from. Sentences, headings, topics and outcomes are taken
 * from the source document itself; the lists of names, countries and ministries extend the document's own
 * (علي العدواني, صالح المربع, الكويت, السعودية, وزارة الداخلية) in the same style, since 20,000 people
 * need more than two names.
 */
export interface Vocabulary {
  sentences: string[];
  headings: string[];
  topics: string[];
  outcomes: string[];
}

/** The name the document uses for each person, replaced in its sentences by a synthetic person's name. */
export const documentNames = sourcePeople.map((person) => person.name.value);

export function vocabularyOf(sourceText: string): Vocabulary {
  const report = parseSourceDocument(sourceText);
  const paragraphs = report.body.filter((block) => block.type === 'paragraph').map((block) => block.text);
  const headings = report.body.filter((block) => block.type === 'heading').map((block) => block.text);
  const sentences = paragraphs.flatMap((paragraph) =>
    paragraph
      .split(/(?<=\.)\s+/u)
      .map((sentence) => sentence.trim())
      .filter((sentence) => sentence.length > 20),
  );
  return {
    sentences,
    headings: [report.title, ...headings],
    topics: [...sourceMeeting.topics, 'التحديات السيبرانية', 'إدارة الهوية المدنية', 'برامج تدريبية مشتركة', 'حفظ الأمن والاستقرار'],
    outcomes: sourceMeeting.outcomes,
  };
}

export const givenNames = [
  'علي',
  'صالح',
  'محمد',
  'أحمد',
  'خالد',
  'فهد',
  'عبدالله',
  'سعود',
  'ناصر',
  'فيصل',
  'سلطان',
  'يوسف',
  'جاسم',
  'حمد',
  'مشعل',
  'بدر',
  'طلال',
  'عبدالعزيز',
  'راشد',
  'منصور',
  'سالم',
  'ماجد',
  'نايف',
  'تركي',
  'عادل',
  'وليد',
  'مبارك',
  'عبدالرحمن',
  'إبراهيم',
  'حسن',
  'سامي',
  'زياد',
];

export const familyNames = [
  'العدواني',
  'المربع',
  'العتيبي',
  'الشمري',
  'المطيري',
  'العنزي',
  'الدوسري',
  'القحطاني',
  'الرشيدي',
  'الحربي',
  'الكندري',
  'العجمي',
  'الهاجري',
  'السبيعي',
  'الخالدي',
  'الغامدي',
  'الزهراني',
  'الشهري',
  'المالكي',
  'البلوشي',
  'الفضلي',
  'الصانع',
  'الرومي',
  'النعيمي',
  'الكعبي',
  'المنصوري',
  'الجابري',
  'البوسعيدي',
  'الحمادي',
  'السليطي',
];

export const honorifics = ['اللواء', 'العميد', 'العقيد', 'الفريق', 'المقدم', 'الدكتور', 'الشيخ'];

/** Country code, name, and the adjective as in the document's «الداخلية» السعودية. */
export const countries = [
  { code: 'KW', name: 'الكويت', feminine: 'الكويتية' },
  { code: 'SA', name: 'السعودية', feminine: 'السعودية' },
  { code: 'AE', name: 'الإمارات', feminine: 'الإماراتية' },
  { code: 'QA', name: 'قطر', feminine: 'القطرية' },
  { code: 'BH', name: 'البحرين', feminine: 'البحرينية' },
  { code: 'OM', name: 'عُمان', feminine: 'العُمانية' },
] as const;

export const ministryDomains = ['الداخلية', 'الخارجية', 'العدل', 'الدفاع', 'الصحة', 'المالية', 'الإعلام', 'التربية', 'الشؤون الاجتماعية', 'المواصلات', 'الكهرباء والماء', 'التجارة والصناعة'];

/** What a ministry's agency or department is for, in the document's "وكالة وزارة الداخلية للأحوال المدنية". */
export const agencyPurposes = [
  'للأحوال المدنية',
  'للشؤون الأمنية',
  'للشؤون الإدارية',
  'للشؤون التقنية',
  'للجوازات والإقامة',
  'لشؤون المرور',
  'للتخطيط والتطوير',
  'للعلاقات الدولية',
  'لمكافحة الجريمة المنظمة',
  'لأمن المنافذ',
];

export const roles = ['وكيل الوزارة', 'الوكيل المساعد', 'المشرف على الوكالة', 'مدير إدارة', 'رئيس قسم', 'مستشار', 'عضو اللجنة'];

export const dateTexts = ['أمس الأربعاء', 'أمس الأحد', 'اليوم الاثنين', 'الثلاثاء الماضي', 'مطلع الأسبوع', 'خلال الأسابيع القليلة الماضية'];
