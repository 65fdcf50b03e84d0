import { z } from 'zod';
import { problemCodes, type FieldError, type ProblemCode } from '../errors.js';

export const problemMediaType = 'application/problem+json';

/** RFC 9457 problem details, the one error envelope of the API. */
const problemSchema = z
  .object({
    type: z.string().meta({ example: 'urn:khabar:problem:not_found' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(Object.keys(problemCodes) as [ProblemCode, ...ProblemCode[]]),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export type Problem = z.infer<typeof problemSchema>;

export function problem(code: ProblemCode, detail: string, errors?: FieldError[]): Problem {
  const { status, title } = problemCodes[code];
  return { type: `urn:khabar:problem:${code}`, title, status, detail, code, ...(errors ? { errors } : {}) };
}

/** Response schemas for the error statuses a route can answer, for the serializer and the OpenAPI document. */
export function problemResponses<S extends number>(...statuses: S[]) {
  const content = { [problemMediaType]: { schema: problemSchema } };
  return Object.fromEntries(
    statuses.map((status) => {
      const titles = Object.values(problemCodes).filter((c) => c.status === status).map((c) => c.title);
      return [status, { description: titles.join('; '), content }];
    }),
  ) as Record<S, { description: string; content: typeof content }>;
}
