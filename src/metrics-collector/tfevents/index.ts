/**
 * TensorFlow event files: TFRecord framing with CRC-32C checks, `Event` decoding of scalar and
 * tensor summaries, an incremental directory collector and a writer.
 */
export { crc32c, maskedCrc32c } from './crc32c.js';
export { frameTfRecord, MAX_TFRECORD_LENGTH, TfRecordReader, type TfRecordProblem } from './tfrecord.js';
export {
  decodeTfEvent,
  encodeTfEvent,
  halfToNumber,
  TfDataType,
  type TfEvent,
  type TfEventToWrite,
  type TfScalar,
} from './event.js';
export { formatScalar, matchesMetric, TfEventsCollector } from './tfevents-collector.js';
export { TfEventsWriter, type TfEventsWriterOptions } from './tfevents-writer.js';
export { WireFormatError } from './wire.js';
