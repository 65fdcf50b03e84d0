import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The nearest folder at or above `start` that holds a package.json: khabar's root. A module sits at a different
 * depth in src/ (tsx), dist/ (tsc) and dist/bundle/ (esbuild), so a path relative to its own file would differ.
 */
export function findProjectRoot(start: string): string {
  for (let folder = start; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json'))) return folder;
    if (dirname(folder) === folder) throw new Error(`no package.json at or above ${start}`);
  }
}

const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

/** The absolute path of a file the project ships (package.json, openapi.yaml, migrations/, public/, seed/), from the root. */
export const projectFile = (relative: string): string => join(projectRoot, relative);
