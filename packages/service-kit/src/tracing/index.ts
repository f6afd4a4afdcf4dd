export { startTracing, tracesEndpoint } from './start.js';
export {
  type ActiveSpan,
  adoptTraceparent,
  currentTrace,
  flushSpans,
  inSpan,
  nameRequestSpan,
  outgoingTraceparent,
  recordingSpans,
  type SpanAttributes,
  type SpanKind,
  serveInTrace,
  type TraceScope,
  traceOfLogLine,
} from './trace.js';
export { formatTraceparent, parseTraceparent, type TraceParent } from './traceparent.js';
