// OpenTelemetry-style spans for every Redis command, from dray's diagnostics channels: no
// monkey-patching, and nothing is built while nobody subscribes.
//
//   deno run -A examples/tracing_otel.ts        (starts a throwaway redis-server)
//
// `Tracer` and `Span` below are the few members of `@opentelemetry/api`'s interfaces this uses, so
// `instrumentRedis(trace.getTracer("dray"))` works as it is with the real API and an SDK
// (`npm:@opentelemetry/api`, `npm:@opentelemetry/sdk-trace-base`). To run offline, this file
// brings a tiny in-memory tracer that prints the spans.
import diagnostics from "node:diagnostics_channel";
import {
  COMMAND_CHANNEL,
  type CommandTraceContext,
  connect,
  CONNECTION_CHANNEL,
  type ConnectionTraceMessage,
} from "@dray/dray/redis";
import { startServer } from "@dray/dray/redis/testing";

/** The span members used here (a subset of OpenTelemetry's `Span`). */
export interface Span {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error): unknown;
  end(): void;
}

/** The tracer members used here (a subset of OpenTelemetry's `Tracer`). */
export interface Tracer {
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: Record<string, string | number | boolean> },
  ): Span;
}

// OpenTelemetry's SpanKind.CLIENT and SpanStatusCode.ERROR.
const SPAN_KIND_CLIENT = 2;
const STATUS_ERROR = 2;

/**
 * Turns each traced command into a client span named after the command, with the semantic
 * conventions' database attributes; each connection event (connect, ready, reconnecting, close…)
 * becomes a short span of its own (`redis.connect`…). Returns a function that stops.
 */
export function instrumentRedis(tracer: Tracer): () => void {
  const spans = new WeakMap<CommandTraceContext, Span>();
  const channel = diagnostics.tracingChannel<unknown, CommandTraceContext>(COMMAND_CHANNEL);
  const handlers = {
    start(context: CommandTraceContext) {
      const attributes: Record<string, string | number | boolean> = {
        "db.system.name": "redis",
        "db.operation.name": context.command,
        "db.namespace": String(context.database),
        "server.address": context.serverAddress,
      };
      if (context.serverPort !== undefined) attributes["server.port"] = context.serverPort;
      if (context.args !== undefined) {
        attributes["db.query.text"] = [context.command, ...context.args].join(" ");
      }
      if (context.batchMode !== undefined) {
        attributes["db.operation.batch.size"] = context.batchSize ?? 0;
        attributes["dray.batch.mode"] = context.batchMode;
      }
      spans.set(context, tracer.startSpan(context.command, { kind: SPAN_KIND_CLIENT, attributes }));
    },
    end() {},
    asyncStart() {},
    error(context: CommandTraceContext) {
      const span = spans.get(context);
      const error = context.error instanceof Error
        ? context.error
        : new Error(String(context.error));
      span?.recordException(error);
      span?.setStatus({ code: STATUS_ERROR, message: error.message });
    },
    asyncEnd(context: CommandTraceContext) {
      const span = spans.get(context);
      span?.setAttribute("dray.duration_ms", Math.round((context.durationMs ?? 0) * 1000) / 1000);
      span?.end();
    },
  };
  channel.subscribe(handlers);
  const onConnection = (message: unknown) => {
    const { event, serverAddress, serverPort, attempt } = message as ConnectionTraceMessage;
    const span = tracer.startSpan(`redis.${event}`, {
      kind: SPAN_KIND_CLIENT,
      attributes: {
        "server.address": serverAddress,
        ...(serverPort === undefined ? {} : { "server.port": serverPort }),
        "dray.attempt": attempt,
      },
    });
    span.end();
  };
  diagnostics.subscribe(CONNECTION_CHANNEL, onConnection);
  return () => {
    channel.unsubscribe(handlers);
    diagnostics.unsubscribe(CONNECTION_CHANNEL, onConnection);
  };
}

/** A finished span of the in-memory tracer. */
export interface RecordedSpan {
  name: string;
  attributes: Record<string, string | number | boolean>;
  status: { code: number; message?: string } | undefined;
  exceptions: Error[];
}

/** A tracer that keeps finished spans in memory (a stand-in for an SDK and its exporter). */
export class MemoryTracer implements Tracer {
  readonly finished: RecordedSpan[] = [];

  startSpan(
    name: string,
    options: { kind?: number; attributes?: Record<string, string | number | boolean> } = {},
  ): Span {
    const record: RecordedSpan = {
      name,
      attributes: { ...options.attributes },
      status: undefined,
      exceptions: [],
    };
    const finished = this.finished;
    return {
      setAttribute(key, value) {
        record.attributes[key] = value;
      },
      setStatus(status) {
        record.status = status;
      },
      recordException(exception) {
        record.exceptions.push(exception);
      },
      end() {
        finished.push(record);
      },
    };
  }
}

if (import.meta.main) {
  const tracer = new MemoryTracer();
  const stop = instrumentRedis(tracer);
  try {
    await using server = await startServer();
    await using redis = await connect(server.url, { traceArguments: true });
    await redis.set("visits", "41");
    await redis.incr("visits");
    await redis.hset("user:1", { name: "ada" });
    const pipeline = redis.pipeline();
    pipeline.get("visits");
    pipeline.lpush("visits", "x"); // WRONGTYPE: an error span
    await pipeline.exec();
  } finally {
    stop();
  }
  for (const span of tracer.finished) {
    const status = span.status === undefined ? "" : ` ERROR ${span.status.message}`;
    console.log(`${span.name} ${JSON.stringify(span.attributes)}${status}`);
  }
}
