// Settings of the copilot-opcua connection and the copilot-opcua-read node, validated with
// messages an engineer can act on (the editor's values arrive as strings or numbers).
import { z } from 'zod';

export const SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;
export const SECURITY_POLICIES = ['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'] as const;

export type SecurityModeName = (typeof SECURITY_MODES)[number];
export type SecurityPolicyName = (typeof SECURITY_POLICIES)[number];

const num = (what: string, min: number, max: number) =>
  z.coerce.number({ error: `${what} must be a number` }).refine((v) => Number.isFinite(v) && v >= min && v <= max, { message: `${what} must be between ${min} and ${max}` });

export const connectionConfigSchema = z
  .object({
    endpoint: z
      .string({ error: 'endpoint is missing: enter the server URL, e.g. opc.tcp://192.168.0.10:4840' })
      .trim()
      .regex(/^opc\.tcp:\/\/[^\s/:]+(:\d{1,5})?(\/\S*)?$/, 'endpoint must look like opc.tcp://host:4840 (opc.tcp://, a host name or address, an optional port and path)'),
    securityMode: z.enum(SECURITY_MODES, { error: `security mode must be one of ${SECURITY_MODES.join(', ')}` }).default('None'),
    securityPolicy: z.enum(SECURITY_POLICIES, { error: `security policy must be one of ${SECURITY_POLICIES.join(', ')}` }).default('None'),
    acceptUnknownCertificate: z.boolean().default(false),
  })
  .refine((c) => (c.securityMode === 'None') === (c.securityPolicy === 'None'), {
    message: 'security mode and policy go together: mode None needs policy None, and Sign or SignAndEncrypt need a policy such as Basic256Sha256',
  });

export type ConnectionConfig = z.infer<typeof connectionConfigSchema>;

export const OUTPUT_MODES = ['batch', 'per-tag'] as const;

export const readConfigSchema = z.object({
  samplingInterval: num('sampling interval (ms)', 0, 3_600_000).default(500),
  publishingInterval: num('publishing interval (ms)', 10, 3_600_000).default(1000),
  refresh: num('full refresh (s)', 0, 86_400).default(10),
  output: z.enum(OUTPUT_MODES, { error: 'output must be "batch" (one message) or "per-tag" (one message per tag)' }).default('batch'),
  batchSize: num('monitored items per call', 1, 100_000)
    .refine((v) => Number.isInteger(v), { message: 'monitored items per call must be a whole number' })
    .default(1000),
});

export type ReadConfig = z.infer<typeof readConfigSchema>;
