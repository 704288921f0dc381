// A pub/sub chat over WebSockets: each browser connects to /rooms/<room>; what one sends is
// published on the room's channel, and every socket in that room, on any server process sharing
// the Redis, receives it. One subscriber connection per process serves every room.
//
//   REDIS_URL=redis://localhost:6379 deno run -A examples/ws_chat.ts   # ws://127.0.0.1:8001/rooms/lobby
import { connect, type RedisClient, type Subscription } from "@dray/dray/redis";

/** A running chat server. */
export interface ChatServer extends AsyncDisposable {
  /** `ws://127.0.0.1:<port>`. */
  readonly url: string;
}

/** Serves the chat on `port` (0: a free one). */
export async function startChatServer(redisUrl: string, port = 0): Promise<ChatServer> {
  const publisher: RedisClient = await connect(redisUrl);
  const subscriber: RedisClient = await connect(redisUrl);
  const rooms = new Map<string, { sockets: Set<WebSocket>; subscription: Subscription }>();

  const join = async (room: string, socket: WebSocket): Promise<void> => {
    let entry = rooms.get(room);
    if (entry === undefined) {
      const sockets = new Set<WebSocket>();
      const subscription = await subscriber.subscribe(`chat:${room}`, ({ message }) => {
        for (const peer of sockets) if (peer.readyState === WebSocket.OPEN) peer.send(message);
      });
      entry = rooms.get(room) ?? { sockets, subscription }; // another join may have won the race
      if (entry.subscription !== subscription) await subscription.unsubscribe();
      rooms.set(room, entry);
    }
    entry.sockets.add(socket);
  };
  const leave = async (room: string, socket: WebSocket): Promise<void> => {
    const entry = rooms.get(room);
    if (entry === undefined || !entry.sockets.delete(socket) || entry.sockets.size > 0) return;
    rooms.delete(room);
    await entry.subscription.unsubscribe();
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, (request) => {
    const room = new URL(request.url).pathname.match(/^\/rooms\/([\w-]+)$/)?.[1];
    if (room === undefined || request.headers.get("upgrade") !== "websocket") {
      return new Response("connect a WebSocket to /rooms/<room>\n", { status: 400 });
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    const joined = new Promise<void>((resolve, reject) => {
      socket.onopen = () =>
        join(room, socket).then(() => {
          socket.send(`joined ${room}`);
          resolve();
        }, reject);
    });
    socket.onmessage = (event) => {
      joined.then(() => publisher.publish(`chat:${room}`, String(event.data))).catch(() => {});
    };
    socket.onclose = () => void joined.then(() => leave(room, socket)).catch(() => {});
    return response;
  });

  return {
    url: `ws://127.0.0.1:${server.addr.port}`,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await subscriber.close();
      await publisher.close();
    },
  };
}

if (import.meta.main) {
  const chat = await startChatServer(Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379", 8001);
  console.log(`chat: connect a WebSocket to ${chat.url}/rooms/lobby`);
}
