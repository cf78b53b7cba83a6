import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";

const PUBLIC_ROOT = path.resolve("/srv/app/public");
const REPORTS_ROOT = path.resolve("/srv/app/reports");

export async function serveReport(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
  const file = path.join(REPORTS_ROOT, decodeURIComponent(name));
  const info = await stat(file).catch(() => null);
  if (!info || !info.isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": "application/pdf", "content-length": info.size });
  await pipeline(createReadStream(file), res);
}

export async function servePublic(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
  const file = path.resolve(PUBLIC_ROOT, decodeURIComponent(name));
  if (!file.startsWith(PUBLIC_ROOT + path.sep)) {
    res.writeHead(403).end();
    return;
  }
  const info = await stat(file).catch(() => null);
  if (!info || !info.isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-length": info.size });
  await pipeline(createReadStream(file), res);
}

export function quotaBytes(quotaKilobytes: number): number {
  if (!Number.isInteger(quotaKilobytes) || quotaKilobytes < 0) {
    throw new RangeError("quota must be a whole number of kilobytes");
  }
  const bytes = quotaKilobytes << 10;
  return bytes;
}

export function usedShare(usedBytes: number, quotaBytesTotal: number): number {
  if (quotaBytesTotal <= 0) {
    return 1;
  }
  const share = usedBytes / quotaBytesTotal;
  return Math.min(1, Math.max(0, share));
}

export function formatSize(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
