// Editor for copilot-modbus: TCP (host, port) or RTU (serial port), unit id, timeout, in-flight and queue limits.
RED.nodes.registerType('copilot-modbus', {
  category: 'config',
  defaults: {
    name: { value: 'plc1', required: true },
    transport: { value: 'tcp', required: true },
    host: { value: '127.0.0.1' },
    port: { value: 502, validate: (v: unknown) => v === '' || (Number(v) >= 1 && Number(v) <= 65535) },
    unitId: { value: 1, validate: (v: unknown) => Number(v) >= 0 && Number(v) <= 255 },
    timeout: { value: 1000, validate: (v: unknown) => Number(v) >= 50 },
    inFlight: { value: 1, validate: (v: unknown) => Number(v) >= 1 && Number(v) <= 64 },
    queueLimit: { value: 100, validate: (v: unknown) => Number(v) >= 1 },
    serialPath: { value: '/dev/ttyUSB0' },
    baudRate: { value: 9600 },
    parity: { value: 'none' },
  },
  label: function () {
    return this.name || 'modbus';
  },
  oneditprepare: function () {
    const toggle = () => {
      const rtu = $('#node-config-input-transport').val() === 'rtu';
      $('.copilot-modbus-tcp').toggle(!rtu);
      $('.copilot-modbus-rtu').toggle(rtu);
    };
    $('#node-config-input-transport').on('change', toggle);
    toggle();
  },
});
