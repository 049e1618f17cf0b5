/**
 * A child process for the "several runs make the same folders at once" test
 * (test/paths.test.ts): it loads the checks a run makes of its folders, says 'ready', then
 * checks each folder the parent sends and answers 'ok' or the error's message.
 */
import { checkWritableFolder } from '../../src/session/paths.ts';

process.send!('ready');
process.on('message', (dir: string) => {
  try {
    checkWritableFolder(dir, '--out');
    process.send!('ok');
  } catch (err) {
    process.send!(`refused: ${(err as Error).message}`);
  }
});
