// Request bodies with a cap: a webhook that accepts any size is a memory bomb for whoever knows its URL
// (and its secret leaks more often than one thinks). A declared length over the cap is refused before
// reading; a body that grows past it while streaming stops being read at once.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`request body over ${limitBytes} bytes`);
  }
}

/** The whole body, or BodyTooLargeError as soon as it is known to be over `limitBytes` (reading stops there). */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) return Promise.reject(new BodyTooLargeError(limitBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        req.pause();
        reject(new BodyTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** 413, then the connection is closed: the rest of the body is never read. */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limitBytes: number): void {
  res.on('finish', () => req.socket.destroy());
  res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' }).end(`${JSON.stringify({ error: `body over ${limitBytes} bytes` })}\n`);
}
