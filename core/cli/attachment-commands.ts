import fs from 'node:fs';
import path from 'node:path';
import type { JournalService } from '../journal-service.js';
import { writeUniqueFile } from '../mail/attachment-name.js';
import type { Values } from './journal-commands.js';
import { writeOut } from './output.js';
import { UsageError } from './usage-error.js';

export const ATTACHMENT_USAGE = `  attachment list INTERACTION_ID                         (the letter's files, numbered from 1)
  attachment save INTERACTION_ID [N] [--to DIR]          (file N, or every file, into DIR; default: here)`;

function positive(value: string | undefined, what: string): number {
  const n = Number(value);
  if (!value || !Number.isInteger(n) || n <= 0) throw new UsageError(`${what} must be a number from 1`);
  return n;
}

/** `interlog attachment …` */
export async function attachmentCommand(service: JournalService, args: string[], v: Values): Promise<number> {
  const [sub, idText, indexText] = args;
  const interactionId = positive(idText, 'the interaction id');
  const files = (await service.interactionDetails({ interactionId })).interaction.attachments;
  switch (sub) {
    case 'list':
      for (const [i, a] of files.entries()) {
        await writeOut(`${i + 1}. ${JSON.stringify(a.name)}  ${a.contentType}  ${a.size} bytes\n`);
      }
      return 0;
    case 'save': {
      const to = Array.isArray(v.to) ? v.to[v.to.length - 1] : undefined;
      const dir = path.resolve(to ?? '.');
      if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
        throw new UsageError(`--to must be an existing directory (${dir} is not)`);
      }
      const indexes = indexText === undefined ? files.map((_, i) => i) : [positive(indexText, 'the file number') - 1];
      if (indexes.length === 0) throw new UsageError(`interaction ${interactionId} has no attachments`);
      for (const index of indexes) {
        const file = await service.getAttachment({ interactionId, index });
        const written = writeUniqueFile(dir, file.fileName, Buffer.from(file.contentBase64, 'base64'));
        // The name is safe by construction; this is the last line of defence should that ever change.
        if (path.dirname(written) !== dir) throw new Error(`refusing to write outside ${dir}: ${written}`);
        const renamed =
          path.basename(written) === file.originalName
            ? ''
            : ` (named ${JSON.stringify(file.originalName)} in the letter)`;
        await writeOut(`Saved ${written}${renamed}, ${file.size} bytes\n`);
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown attachment command "${sub ?? ''}"`);
  }
}
