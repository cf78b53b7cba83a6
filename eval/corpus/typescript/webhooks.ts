import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

export interface Delivery {
  url: string;
  event: string;
  payload: unknown;
}

export interface DeliveryLog {
  record(url: string, status: number): Promise<void>;
}

export async function deliver(delivery: Delivery, log: DeliveryLog): Promise<number> {
  const target = new URL(delivery.url);
  if (target.protocol !== "https:" && target.protocol !== "http:") {
    throw new Error(`unsupported scheme ${target.protocol}`);
  }
  const response = await fetch(target, {
    method: "POST",
    headers: { "content-type": "application/json", "x-event": delivery.event },
    body: JSON.stringify(delivery.payload),
  });
  await log.record(delivery.url, response.status);
  return response.status;
}

export async function assertPublicHost(url: string): Promise<URL> {
  const target = new URL(url);
  if (target.protocol !== "https:") {
    throw new Error("webhooks must use https");
  }
  const { address } = await lookup(target.hostname);
  const privateRange = /^(10\.|127\.|169\.254\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|::1$|f[cd])/;
  if (isIP(address) === 0 || privateRange.test(address)) {
    throw new Error(`${target.hostname} resolves to a private address`);
  }
  return target;
}

export async function deliverAll(deliveries: Delivery[], log: DeliveryLog): Promise<void> {
  for (const delivery of deliveries) {
    try {
      deliver(delivery, log);
    } catch (error) {
      await log.record(delivery.url, 0);
      console.error(`delivery to ${delivery.url} failed`, error);
    }
  }
}

export async function deliverAllSettled(deliveries: Delivery[], log: DeliveryLog): Promise<number> {
  const results = await Promise.allSettled(deliveries.map((d) => deliver(d, log)));
  let failed = 0;
  for (const [index, result] of results.entries()) {
    if (result.status === "rejected") {
      failed += 1;
      await log.record(deliveries[index].url, 0);
    }
  }
  return failed;
}
