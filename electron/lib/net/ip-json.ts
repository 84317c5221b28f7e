import { z } from 'zod';

/** `ip -json addr show` (iproute2); unknown keys are kept so newer iproute2 versions still parse. */
export const IpAddrJson = z.array(
  z.looseObject({
    ifindex: z.number(),
    ifname: z.string(),
    flags: z.array(z.string()).default([]),
    operstate: z.string().optional(),
    address: z.string().optional(),
    link_type: z.string().optional(),
    addr_info: z.array(z.looseObject({ family: z.string(), local: z.string().optional(), prefixlen: z.number().optional() })).default([]),
  }),
);
export type IpAddrJson = z.infer<typeof IpAddrJson>;

/** `ip -json route show`. */
export const IpRouteJson = z.array(z.looseObject({ dst: z.string(), gateway: z.string().optional(), dev: z.string().optional(), metric: z.number().optional() }));
export type IpRouteJson = z.infer<typeof IpRouteJson>;

/** The gateway of each interface: its IPv4 default route with the lowest metric. */
export function defaultGateways(routes: IpRouteJson): Map<string, string> {
  const best = new Map<string, { gw: string; metric: number }>();
  for (const r of routes) {
    if (r.dst !== 'default' || !r.gateway || !r.dev) continue;
    const cur = best.get(r.dev);
    const metric = r.metric ?? 0;
    if (!cur || metric < cur.metric) best.set(r.dev, { gw: r.gateway, metric });
  }
  return new Map([...best].map(([dev, { gw }]) => [dev, gw]));
}
