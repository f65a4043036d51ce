import { serveTasks } from '../util/worker-task.js';
import { type DigestedMessage, type DigestInput, digestMessage } from './digest.js';

serveTasks<DigestInput, DigestedMessage>(async (input) => {
  const result = await digestMessage(input);
  const transfer =
    result.stored && result.stored.byteOffset === 0 && result.stored.byteLength === result.stored.buffer.byteLength
      ? [result.stored.buffer as ArrayBuffer]
      : [];
  return { result, transfer };
});
