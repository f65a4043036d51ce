import type { JournalEvent } from '../api.js';

/** Draws sync progress on a terminal; on a pipe it prints only the occasional line. */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (event: JournalEvent) => void {
  const tty = Boolean(stream.isTTY);
  let lastLine = 0;
  return (event) => {
    if (event.type === 'sent' || event.type === 'send-failed') {
      const text =
        event.type === 'sent'
          ? `Sent letter #${event.outboxId}: ${event.response}`
          : `Letter #${event.outboxId} not sent: ${event.reason}`;
      stream.write(`${tty ? '\r\x1b[K' : ''}${text}\n`);
      return;
    }
    if (event.type === 'retry') {
      stream.write(
        `${tty ? '\r\x1b[K' : ''}${event.account}: ${event.reason} Retrying in ${Math.ceil(event.delayMs / 1000)} s…\n`,
      );
      return;
    }
    if (event.type === 'new-mail') {
      stream.write(`${tty ? '\r\x1b[K' : ''}${event.account}/${event.folder}: ${event.added} new\n`);
      return;
    }
    if (event.type !== 'progress') return;
    const { account, folder, done, total } = event.progress;
    if (tty) {
      const width = 30;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      stream.write(
        `\r\x1b[K${account}/${folder} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`,
      );
      if (done === total) stream.write('\n');
    } else if (done === total || Date.now() - lastLine > 5000) {
      lastLine = Date.now();
      stream.write(`${account}/${folder}: ${done}/${total}\n`);
    }
  };
}
