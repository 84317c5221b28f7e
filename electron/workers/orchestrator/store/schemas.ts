import { z } from 'zod';
import { ProxyArpConfig } from '../../../../shared/domain/host-nic.js';
import { SerialPortSpec, SerialPortStatusWord } from '../../../../shared/domain/serial.js';
import { DesiredState, VplcSpec } from '../../../../shared/domain/vplc.js';

/** `runtime_vnics.json` entry (docs/protocol.md §5.14): the reference's keys with a defined schema, nothing else. */
export const PersistedVnic = z.object({
  name: z.string(),
  parent_interface: z.string(),
  network_mode: z.enum(['dhcp', 'static']),
  ip: z.string().optional(),
  subnet: z.string().optional(),
  gateway: z.string().optional(),
  dns: z.array(z.string()).optional(),
  mac: z.string().optional(),
  _interface_type: z.enum(['ethernet', 'wifi']),
  _is_wifi: z.boolean(),
  _network_method: z.enum(['macvlan', 'proxy_arp']),
  /** The requested MAC (the user's, else the generated one); never Docker's record. */
  mac_address: z.string(),
  docker_network_name: z.string().optional(),
  dhcp_ip: z.string().optional(),
  dhcp_gateway: z.string().optional(),
  dhcp_dns: z.string().optional(),
  /** EXTEND: the MAC last measured inside the vPLC's namespace. */
  _wire_mac_address: z.string().optional(),
  /** WiFi vNICs whose proxy-ARP bridge is built (docs/host-nics.md). */
  _proxy_arp_config: ProxyArpConfig.optional(),
});
export type PersistedVnic = z.infer<typeof PersistedVnic>;

export const RuntimeVnicsFile = z.record(z.string(), z.array(PersistedVnic));
export type RuntimeVnicsFile = z.infer<typeof RuntimeVnicsFile>;

/** `dedicated_nics.json` (docs/protocol.md §5.14): the NIC given to each vPLC; an empty name is invalid. */
export const DedicatedNicsFile = z.record(z.string(), z.object({ host_interface: z.string().min(1) }));
export type DedicatedNicsFile = z.infer<typeof DedicatedNicsFile>;

export const ClientsFile = z.record(z.string(), z.object({ ip: z.string(), name: z.string() }));
export type ClientsFile = z.infer<typeof ClientsFile>;

export const RuntimeCertPin = z.object({ container_id: z.string().min(1), spki_sha256: z.string().min(1) });
export type RuntimeCertPin = z.infer<typeof RuntimeCertPin>;

/** `vplc_state.json` (EXTEND): everything needed to recreate and reconcile a vPLC. */
export const DesiredRecord = z.object({
  desired_state: DesiredState,
  // Absent until the create pipeline has allocated the /29.
  internal_subnet: z.string().optional(),
  created_at: z.string(),
  updated_at: z.string(),
  /** Absent for a vPLC adopted without a record (lost or corrupt state): we know only what the user told us since. */
  spec: VplcSpec.optional(),
  runtime_image: z.string().optional(),
  /** The engine refused the real-time ulimits; the container runs without them. */
  degraded_ulimits: z.boolean().default(false),
  /** The Docker id of the vPLC's current container, recorded when it is created or adopted. */
  container_id: z.string().optional(),
  /**
   * The runtime's self-signed certificate, pinned on first contact; it belongs to the container it was seen on and
   * counts only while that is `container_id`. A pin from before container ids were recorded (a bare string) is
   * dropped: the next contact pins the current container's certificate.
   */
  runtime_cert_pin: z.preprocess((v) => (typeof v === 'string' ? undefined : v), RuntimeCertPin.optional()),
  /** An explicit delete whose cleanup was interrupted; only this lets anything remove the container. */
  tombstone: z.boolean().default(false),
  depends_on: z.array(z.string()).default([]),
  auto_update: z.boolean().default(false),
  /**
   * An edit applied to the running container in place (a vNIC re-attached with its new address): the container
   * `container_id`, labelled with `label_hash`, carries the spec whose hash is `spec_hash`, so reconcile does not
   * recreate it for that edit (docs/editing.md).
   */
  applied_in_place: z.object({ container_id: z.string(), label_hash: z.string(), spec_hash: z.string() }).optional(),
  /** EXTEND: per serial port, the device majors its current container allows (docs/serial.md "Device access"). */
  serial_majors: z.record(z.string(), z.array(z.number().int().nonnegative())).optional(),
  /**
   * EXTEND: serial ports an edit asked for while the vPLC's change window was closed (docs/editing.md "Serial ports").
   * `spec.serialPorts` stays what the container has until the window opens; reconcile then moves these into the spec.
   */
  pending_serial_ports: z.array(SerialPortSpec).optional(),
  /** EXTEND (auto_update): the registry digest last seen for the tag, and what became of it. */
  image_update: z
    .object({
      digest: z.string(),
      /** Image IDs: the one running before, and the pulled one. */
      from_image: z.string(),
      to_image: z.string(),
      phase: z.enum(['pending', 'applied', 'rolled-back']),
      at: z.string(),
      detail: z.string().optional(),
    })
    .optional(),
});
export type DesiredRecord = z.infer<typeof DesiredRecord>;

export const DesiredFile = z.record(z.string(), DesiredRecord);
export type DesiredFile = z.infer<typeof DesiredFile>;

/** One port in `data/serial_configs.json` (docs/protocol.md §5.14): the reference's keys plus `baud_rate` (IMPROVE). */
export const StoredSerialPort = z.object({
  name: z.string(),
  device_id: z.string(),
  container_path: z.string(),
  status: SerialPortStatusWord,
  current_host_path: z.string().nullable(),
  major: z.number().int().nonnegative().nullable(),
  minor: z.number().int().nonnegative().nullable(),
  baud_rate: z.number().nullable().default(null),
});
export type StoredSerialPort = z.infer<typeof StoredSerialPort>;

export const SerialConfigEntry = z.object({ serial_ports: z.array(StoredSerialPort) });
export type SerialConfigEntry = z.infer<typeof SerialConfigEntry>;

export const SerialConfigsFile = z.record(z.string(), SerialConfigEntry);

/** `operations.json` (EXTEND): operations in flight and what they created, so a restart can resume or roll back. */
export const JournalEntry = z.object({
  op_id: z.string(),
  operation: z.enum(['create', 'delete']),
  step: z.string().nullable(),
  started_at: z.string(),
  requested_by: z.string(),
  created: z.object({
    container: z.string().optional(),
    internal_network: z.string().optional(),
    lan_networks: z.array(z.string()).default([]),
  }),
  /** The create reached post-start bookkeeping (step 5); from here on it is resumed, not rolled back. */
  past_start: z.boolean().default(false),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

export const OperationsFile = z.record(z.string(), JournalEntry);
export type OperationsFile = z.infer<typeof OperationsFile>;

export const InstallationFile = z.object({ id: z.string().uuid(), created_at: z.string() });
