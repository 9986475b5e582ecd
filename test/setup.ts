// Shared Jest setup: nothing global is mocked; tests use real servers on OS-chosen ports.
jest.setTimeout(30000);
