/** A thread that hashes one large file, so two cubes are hashed on two cores at once. */
import { parentPort, workerData } from 'node:worker_threads';
import { sha256File } from './file-hash.ts';

parentPort?.postMessage(sha256File(String(workerData)));
