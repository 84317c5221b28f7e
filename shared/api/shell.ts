import { z } from 'zod';

/**
 * Channels the desktop shell serves itself (not the agent): the preload exposes each one by name, and the renderer
 * parses each answer with its schema like an agent's.
 */
export const SHELL_CHOOSE_IMAGE_FILE = 'shell:choose-image-file';

/** The path of the archive the user chose in the native dialog, or null when they cancelled. */
export const ChosenFile = z.object({ path: z.string().min(1).nullable() }).strict();
export type ChosenFile = z.infer<typeof ChosenFile>;

/** Extensions the open dialog offers: a `docker save` archive, plain or gzip-compressed. */
export const IMAGE_ARCHIVE_EXTENSIONS = ['tar', 'gz', 'tgz'] as const;

/** The native open-file dialog for a PLC program bundle (docs/plc.md "Program upload"); answers a ChosenFile. */
export const SHELL_CHOOSE_PROGRAM_FILE = 'shell:choose-program-file';

/** Extensions the program dialog offers: the editor's bundle. */
export const PROGRAM_BUNDLE_EXTENSIONS = ['zip'] as const;
