// The container's HEALTHCHECK: `node dist/src/http/healthcheck.js` exits 0 when /healthz says ready.
// A script rather than curl, which the slim image does not have.

/** True when GET <url> answers 2xx within `timeoutMs`. */
export async function probeHealth(url: string, timeoutMs = 4000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const port = process.env.HTTP_PORT?.trim() || '8080';
  probeHealth(`http://127.0.0.1:${port}/healthz`).then((ok) => {
    process.exitCode = ok ? 0 : 1;
  });
}
