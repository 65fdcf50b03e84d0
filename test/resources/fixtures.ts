import { storesOf } from '../../src/core/db/handles.js';
import type { App } from '../../src/web/app.js';
import { firstRecords, storedRecord } from '../helper.js';

/**
 * For each resource: a valid create body (built from the seeded records it refers to),
 * a change for PATCH, and the nullable field a merge-patch null clears.
 */
export async function resourceCases(app: App) {
  const ministry = await storedRecord(app, storesOf(app.services).organisations, 'وزارة-الداخلية-الكويتية');
  const agency = await storedRecord(app, storesOf(app.services).organisations, 'وكالة-وزارة-الداخلية-للأحوال-المدنية');
  const adwani = await storedRecord(app, storesOf(app.services).people, 'علي-العدواني');
  const meeting = (await firstRecords(app, storesOf(app.services).meetings))[0]!;
  return [
    {
      path: 'articles',
      create: {
        slug: 'تقرير-تجريبي',
        title: 'تقرير تجريبي',
        language: 'ar',
        summary: 'ملخص',
        body: [
          { type: 'heading', text: 'عنوان' },
          { type: 'paragraph', text: 'فقرة أولى.' },
        ],
        source: null,
        published_at: '2026-11-25T09:00:00.000Z',
        person_ids: [adwani.id],
        organisation_ids: [ministry.id],
        meeting_ids: [meeting.id],
      },
      patch: { title: 'عنوان جديد' },
      nullable: 'summary',
      reference: { person_ids: ['01a224ea-0000-7000-8000-000000000000'] },
      referencePath: 'person_ids.0',
    },
    {
      path: 'people',
      create: {
        slug: 'شخص-تجريبي',
        name: 'شخص تجريبي',
        honorific: 'العقيد',
        position: null,
        country: 'KW',
        aliases: ['تجريبي'],
        affiliations: [{ organisation_id: ministry.id, role: 'مدير', acting: false }],
      },
      patch: { position: 'مدير إدارة' },
      nullable: 'honorific',
      reference: { affiliations: [{ organisation_id: '01a224ea-0000-7000-8000-000000000000' }] },
      referencePath: 'affiliations.0.organisation_id',
    },
    {
      path: 'organisations',
      create: { slug: 'إدارة-تجريبية', name: 'إدارة تجريبية', kind: 'agency', country: 'SA', parent_id: agency.id, aliases: [] },
      patch: { kind: 'committee' },
      nullable: 'country',
      reference: { parent_id: '01a224ea-0000-7000-8000-000000000000' },
      referencePath: 'parent_id',
    },
    {
      path: 'meetings',
      create: {
        slug: 'اجتماع-تجريبي',
        title: 'اجتماع تجريبي',
        status: 'planned',
        starts_at: '2026-12-01',
        date_text: null,
        location: 'الكويت',
        summary: null,
        topics: ['التعاون'],
        outcomes: [],
        host_organisation_id: ministry.id,
        participants: [{ person_id: adwani.id, organisation_id: ministry.id, role: 'host' }],
        organisation_ids: [ministry.id, agency.id],
      },
      patch: { status: 'cancelled' },
      nullable: 'location',
      reference: { host_organisation_id: '01a224ea-0000-7000-8000-000000000000' },
      referencePath: 'host_organisation_id',
    },
  ];
}
