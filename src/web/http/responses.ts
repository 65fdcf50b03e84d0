import type { z } from 'zod';

/** A JSON response with the description the OpenAPI document shows for it. */
export const jsonResponse = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
});
