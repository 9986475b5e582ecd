// Report by exception lives in nodes/lib/plant/exception.ts (the Modbus reader uses it too);
// re-exported here for the OPC UA connection and reader and existing importers.
export { exceeds } from '../plant/deadband';
export { BATCH_MAX_TAGS, ExceptionReporter, reportMessages, type OutputMode, type Report, type ReportedSample, type Sample } from '../plant/exception';
