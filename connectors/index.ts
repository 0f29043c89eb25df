// Public surface of dataport/connectors.
export { SignedClient, GatewayError, type SignedResponse } from './signed-http.js';
export { writeSink, writeCsv, writeNdjson, writeDatasetJson, writeArrow, SINK_FORMATS, type SinkFormat, type SinkResult, type WriteSinkOptions } from './sinks/index.js';
