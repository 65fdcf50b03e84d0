import { z } from 'zod';

/** The querystring of a route that takes no parameters: any one given is a 400 naming it. */
export const noQuery = z.strictObject({});
