// The simulator's Modbus map: exactly the `source.address` of each tag in
// examples/plants/reactor-unit-2.yaml (a unit test checks that they agree).
// Holding registers: float32, big-endian (ABCD), two registers per tag. Input registers mirror
// the holding registers (read-only). Discrete inputs: pump run states. Coils: controller
// modes (true = AUTO).
export const HOLDING_FLOATS: Record<string, number> = {
  'FT-101': 0,
  'FIC-101.SP': 2,
  'FIC-101.OUT': 4,
  'TT-101': 6,
  'TT-201': 10,
  'TIC-201.SP': 12,
  'TIC-201.OUT': 14,
  'PT-201': 16,
  'LT-201': 18,
  'LIC-201.SP': 20,
  'LIC-201.OUT': 22,
  'FT-202': 24,
  'AT-201': 26,
  'FT-301': 30,
  'TT-301': 32,
  'TT-302': 34,
  'PT-301': 36,
};

export const DISCRETE_INPUTS: Record<string, number> = {
  'P-101.RUN': 0,
  'P-201.RUN': 1,
  'P-301.RUN': 2,
  'P-302.RUN': 3,
};

export const COILS: Record<string, number> = {
  'FIC-101.AUTO': 0,
  'TIC-201.AUTO': 1,
  'LIC-201.AUTO': 2,
};

/**
 * Registers from this offset on, up to the end of the table (except the scratch area), hold a
 * test pattern that changes every simulation step (register i = (i + step) mod 65536): room
 * for benchmarks and tests that need a large, live register map.
 */
export const PATTERN_START = 100;

/**
 * A scratch memory area like a PLC data block: holding registers and coils 1000..1999 keep
 * what is written to them (initially 0); discrete inputs and input registers 1000..1999 mirror
 * them. Tests write raw encodings there and read them back through the client.
 */
export const SCRATCH_START = 1000;
export const SCRATCH_END = 2000;
