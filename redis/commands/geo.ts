import type { RedisArgument, RespValue } from "../resp/types.ts";
import { type CommandOptions, CommandSender } from "./command_sender.ts";
import { integer } from "./_replies.ts";
import { geoMembers, geoMembersOrCount } from "./_reply_documents.ts";
import type { GeoMember } from "./reply_documents.ts";
import type { NoOptions } from "./types.ts";
import { argumentField, blockOf, numberField, oneKeyOf, tokenOf } from "./_blocks.ts";

/**
 * A distance unit: metres, kilometres, feet or miles (any case).
 *
 * @example
 * ```ts
 * import type { GeoUnit } from "@dray/dray/redis";
 * const unit: GeoUnit = "km";
 * ```
 */
export type GeoUnit = "M" | "KM" | "FT" | "MI" | "m" | "km" | "ft" | "mi";

/**
 * A member with its position, as `GEOADD` takes it.
 *
 * @example
 * ```ts
 * import type { GeoPoint } from "@dray/dray/redis";
 * const palermo: GeoPoint = { longitude: 13.361389, latitude: 38.115556, member: "Palermo" };
 * ```
 */
export interface GeoPoint {
  /** Longitude, −180 to 180. */
  longitude: number;
  /** Latitude, −85.05112878 to 85.05112878. */
  latitude: number;
  /** The member. */
  member: RedisArgument;
}

/**
 * Options of `GEOADD`.
 *
 * @example Only new members, counting changed ones too
 * ```ts
 * import type { GeoAddOptions } from "@dray/dray/redis";
 * const options: GeoAddOptions = { nx: true, ch: true };
 * ```
 */
export interface GeoAddOptions extends CommandOptions {
  /** `NX`: only add new members. */
  nx?: boolean;
  /** `XX`: only update existing members. */
  xx?: boolean;
  /** `CH`: count changed members as well as added ones. */
  ch?: boolean;
}

/**
 * Where a search starts: from a member of the set, or from a position.
 *
 * @example
 * ```ts
 * import type { GeoFrom } from "@dray/dray/redis";
 * const from: GeoFrom[] = [{ member: "Palermo" }, { longitude: 15, latitude: 37 }];
 * ```
 */
export type GeoFrom = { member: RedisArgument } | { longitude: number; latitude: number };

/**
 * The area of a search: a circle, or a box centred on the start.
 *
 * @example
 * ```ts
 * import type { GeoShape } from "@dray/dray/redis";
 * const shapes: GeoShape[] = [{ radius: 200, unit: "km" }, { width: 400, height: 100, unit: "km" }];
 * ```
 */
export type GeoShape =
  | { radius: number; unit: GeoUnit }
  | { width: number; height: number; unit: GeoUnit };

/**
 * How many results and in which order (`GEOSEARCH`, `GEOSEARCHSTORE`, `GEORADIUS*`).
 *
 * @example The two nearest
 * ```ts
 * import type { GeoOrderOptions } from "@dray/dray/redis";
 * const options: GeoOrderOptions = { order: "ASC", count: 2 };
 * ```
 */
export interface GeoOrderOptions extends CommandOptions {
  /** `ASC` nearest first, `DESC` farthest first. */
  order?: "ASC" | "DESC";
  /** `COUNT count`: at most this many. */
  count?: number;
  /** `ANY`: with `count`, return as soon as that many are found (not the nearest ones). */
  any?: boolean;
}

/**
 * Options of the searches that return members: what to return with each.
 *
 * @example Distances and positions
 * ```ts
 * import type { GeoSearchOptions } from "@dray/dray/redis";
 * const options: GeoSearchOptions = { withDist: true, withCoord: true, order: "ASC" };
 * ```
 */
export interface GeoSearchOptions extends GeoOrderOptions {
  /** `WITHCOORD`: each member's `longitude` and `latitude`. */
  withCoord?: boolean;
  /** `WITHDIST`: each member's `distance` from the centre, in the search's unit. */
  withDist?: boolean;
  /** `WITHHASH`: each member's 52-bit geohash. */
  withHash?: boolean;
}

/**
 * Options of `GEOSEARCHSTORE`.
 *
 * @example Storing distances as scores
 * ```ts
 * import type { GeoSearchStoreOptions } from "@dray/dray/redis";
 * const options: GeoSearchStoreOptions = { storeDist: true, count: 10 };
 * ```
 */
export interface GeoSearchStoreOptions extends GeoOrderOptions {
  /** `STOREDIST`: store the distances as the scores (instead of the geohashes). */
  storeDist?: boolean;
}

/**
 * Options of `GEORADIUS` and `GEORADIUSBYMEMBER`: a search's options, or a key to store into.
 *
 * @example Storing the results
 * ```ts
 * import type { GeoRadiusOptions } from "@dray/dray/redis";
 * const options: GeoRadiusOptions = { store: "nearby" };
 * ```
 */
export interface GeoRadiusOptions extends GeoSearchOptions {
  /** `STORE key`: store the members (with their geohashes) instead of returning them. */
  store?: RedisArgument;
  /** `STOREDIST key`: store the members with their distances instead of returning them. */
  storeDist?: RedisArgument;
}

/**
 * What `georadius`/`georadiusbymember` resolve to: the members, or with `store`/`storeDist` how
 * many were stored (either, when the options' type does not say).
 *
 * @typeParam O The options type of the call.
 *
 * @example
 * ```ts
 * import type { GeoRadiusReply } from "@dray/dray/redis";
 * const stored: GeoRadiusReply<{ store: "k" }> = 2;
 * const found: GeoRadiusReply<{ withDist: true }> = [{ member: "a", distance: 1 }];
 * ```
 */
export type GeoRadiusReply<O> = O extends { store: RedisArgument } | { storeDist: RedisArgument }
  ? number
  : "store" extends keyof O ? GeoMember[] | number
  : "storeDist" extends keyof O ? GeoMember[] | number
  : GeoMember[];

const UNITS = ["M", "KM", "FT", "MI"] as const;
const ORDERS = ["ASC", "DESC"] as const;

function unitOf(value: unknown, method: string): string {
  return tokenOf(value, UNITS, "The unit", method);
}

function pushFrom(argv: RedisArgument[], from: GeoFrom, method: string): void {
  const block = blockOf(from, "The start", method);
  if (block.member !== undefined) {
    argv.push("FROMMEMBER", argumentField(block, "member", method));
  } else {
    argv.push(
      "FROMLONLAT",
      numberField(block, "longitude", method),
      numberField(block, "latitude", method),
    );
  }
}

function pushShape(argv: RedisArgument[], shape: GeoShape, method: string): void {
  const block = blockOf(shape, "The area", method);
  if (oneKeyOf(block, ["radius", "width"], "The area", method) === "radius") {
    argv.push("BYRADIUS", numberField(block, "radius", method));
  } else {
    argv.push(
      "BYBOX",
      numberField(block, "width", method),
      numberField(block, "height", method),
    );
  }
  argv.push(unitOf(block.unit, method));
}

function pushOrder(argv: RedisArgument[], options: GeoOrderOptions, method: string): void {
  if (options.order !== undefined) argv.push(tokenOf(options.order, ORDERS, "order", method));
  if (options.count !== undefined) {
    argv.push("COUNT", options.count);
    if (options.any) argv.push("ANY");
  } else if (options.any) {
    throw new TypeError(`Option "any" of ${method}() needs "count"`);
  }
}

function pushWith(argv: RedisArgument[], options: GeoSearchOptions): void {
  if (options.withCoord) argv.push("WITHCOORD");
  if (options.withDist) argv.push("WITHDIST");
  if (options.withHash) argv.push("WITHHASH");
}

function radiusArguments(
  argv: RedisArgument[],
  radius: number,
  unit: GeoUnit,
  options: GeoRadiusOptions | undefined,
  method: string,
): void {
  argv.push(radius, unitOf(unit, method));
  if (options === undefined) return;
  pushWith(argv, options);
  pushOrder(argv, options, method);
  if (options.store !== undefined) argv.push("STORE", options.store);
  if (options.storeDist !== undefined) argv.push("STOREDIST", options.storeDist);
}

/**
 * Typed methods for geospatial indexes whose grammar has blocks: `GEOADD` with points,
 * `GEOSEARCH`/`GEOSEARCHSTORE` with a start and an area, and the deprecated `GEORADIUS*` family.
 * (`GEODIST`, `GEOHASH` and `GEOPOS` are generated.) Members come back as
 * {@linkcode GeoMember} objects, the same in RESP2 and RESP3.
 *
 * @example Adding and searching
 * ```ts ignore
 * await redis.geoadd("sicily", [
 *   { longitude: 13.361389, latitude: 38.115556, member: "Palermo" },
 *   { longitude: 15.087269, latitude: 37.502669, member: "Catania" },
 * ]);
 * const near = await redis.geosearch("sicily", { longitude: 15, latitude: 37 }, {
 *   radius: 200,
 *   unit: "km",
 * }, { order: "ASC", withDist: true });
 * assert.equal(near[0]?.member, "Catania");
 * ```
 */
export abstract class GeoCommands extends CommandSender {
  /**
   * `GEOADD key [NX | XX] [CH] longitude latitude member [...]`: adds or moves members.
   *
   * @param key The key.
   * @param points One point or a list of them (at least one).
   * @param options `nx`, `xx`, `ch`, and the command options.
   * @returns How many members were added (with `ch`, added or moved).
   *
   * @example One point
   * ```ts ignore
   * assert.equal(await redis.geoadd("g", { longitude: 13.36, latitude: 38.11, member: "a" }), 1);
   * ```
   */
  geoadd(
    key: RedisArgument,
    points: GeoPoint | readonly GeoPoint[],
    options?: GeoAddOptions,
  ): Promise<number> {
    const argv: RedisArgument[] = ["GEOADD", key];
    if (options?.nx) argv.push("NX");
    if (options?.xx) argv.push("XX");
    if (options?.ch) argv.push("CH");
    const list = Array.isArray(points) ? points : [points];
    if (list.length === 0) throw new TypeError("geoadd() needs at least one point");
    for (const value of list) {
      const point = blockOf(value, "A point", "geoadd");
      argv.push(
        numberField(point, "longitude", "geoadd"),
        numberField(point, "latitude", "geoadd"),
        argumentField(point, "member", "geoadd"),
      );
    }
    return this.sendCommand<RespValue>(argv, options).then((reply) =>
      integer(reply, false) as number
    );
  }

  /**
   * `GEOSEARCH key <FROMMEMBER … | FROMLONLAT …> <BYRADIUS … | BYBOX …> [ASC | DESC] [COUNT
   * count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]`: the members inside an area.
   *
   * @param key The key.
   * @param from A member, or a position.
   * @param shape A radius, or a box, with its unit.
   * @param options Order, count, what to return with each member, and the command options.
   * @returns The members, with what the `with…` options asked for.
   *
   * @example Within 200 km of a point
   * ```ts ignore
   * const found = await redis.geosearch("g", { longitude: 15, latitude: 37 }, {
   *   radius: 200,
   *   unit: "km",
   * }, { withDist: true });
   * ```
   */
  geosearch(
    key: RedisArgument,
    from: GeoFrom,
    shape: GeoShape,
    options?: GeoSearchOptions,
  ): Promise<GeoMember[]> {
    const argv: RedisArgument[] = ["GEOSEARCH", key];
    pushFrom(argv, from, "geosearch");
    pushShape(argv, shape, "geosearch");
    if (options !== undefined) {
      pushOrder(argv, options, "geosearch");
      pushWith(argv, options);
    }
    return this.sendCommand<RespValue>(argv, options).then(geoMembers);
  }

  /**
   * `GEOSEARCHSTORE destination source <FROM…> <BY…> [ASC | DESC] [COUNT count [ANY]]
   * [STOREDIST]`: stores the members inside an area into a sorted set.
   *
   * @param destination Where to store them.
   * @param source The geospatial index.
   * @param from A member, or a position.
   * @param shape A radius, or a box, with its unit.
   * @param options Order, count, `storeDist`, and the command options.
   * @returns How many members were stored.
   *
   * @example Storing a box
   * ```ts ignore
   * await redis.geosearchstore("box", "g", { member: "a" }, { width: 10, height: 10, unit: "km" });
   * ```
   */
  geosearchstore(
    destination: RedisArgument,
    source: RedisArgument,
    from: GeoFrom,
    shape: GeoShape,
    options?: GeoSearchStoreOptions,
  ): Promise<number> {
    const argv: RedisArgument[] = ["GEOSEARCHSTORE", destination, source];
    pushFrom(argv, from, "geosearchstore");
    pushShape(argv, shape, "geosearchstore");
    if (options !== undefined) {
      pushOrder(argv, options, "geosearchstore");
      if (options.storeDist) argv.push("STOREDIST");
    }
    return this.sendCommand<RespValue>(argv, options).then((reply) =>
      integer(reply, false) as number
    );
  }

  /**
   * `GEORADIUS key longitude latitude radius unit [...]` (deprecated: use `geosearch`): the
   * members within a radius of a position, or with `store`/`storeDist` how many were stored.
   *
   * @typeParam O The options type of the call, which decides the reply.
   * @param key The key.
   * @param longitude The centre's longitude.
   * @param latitude The centre's latitude.
   * @param radius The radius.
   * @param unit Its unit.
   * @param options What to return, order, count, or a key to store into; command options.
   * @returns The members, or how many were stored.
   *
   * @example Nearest first
   * ```ts ignore
   * const near = await redis.georadius("g", 15, 37, 200, "km", { order: "ASC" });
   * ```
   */
  georadius<O extends GeoRadiusOptions = NoOptions>(
    key: RedisArgument,
    longitude: number,
    latitude: number,
    radius: number,
    unit: GeoUnit,
    options?: O,
  ): Promise<GeoRadiusReply<O>> {
    const argv: RedisArgument[] = ["GEORADIUS", key, longitude, latitude];
    radiusArguments(argv, radius, unit, options, "georadius");
    return this.sendCommand<RespValue>(argv, options).then(geoMembersOrCount) as Promise<
      GeoRadiusReply<O>
    >;
  }

  /**
   * `GEORADIUS_RO key longitude latitude radius unit [...]` (deprecated: use `geosearch`).
   *
   * @param key The key.
   * @param longitude The centre's longitude.
   * @param latitude The centre's latitude.
   * @param radius The radius.
   * @param unit Its unit.
   * @param options What to return with each member, order, count; command options.
   * @returns The members.
   *
   * @example
   * ```ts ignore
   * const near = await redis.georadiusRo("g", 15, 37, 200, "km", { withCoord: true });
   * ```
   */
  georadiusRo(
    key: RedisArgument,
    longitude: number,
    latitude: number,
    radius: number,
    unit: GeoUnit,
    options?: GeoSearchOptions,
  ): Promise<GeoMember[]> {
    const argv: RedisArgument[] = ["GEORADIUS_RO", key, longitude, latitude];
    radiusArguments(argv, radius, unit, options, "georadiusRo");
    return this.sendCommand<RespValue>(argv, options).then(geoMembers);
  }

  /**
   * `GEORADIUSBYMEMBER key member radius unit [...]` (deprecated: use `geosearch`): the members
   * within a radius of a member, or with `store`/`storeDist` how many were stored.
   *
   * @typeParam O The options type of the call, which decides the reply.
   * @param key The key.
   * @param member The centre.
   * @param radius The radius.
   * @param unit Its unit.
   * @param options What to return, order, count, or a key to store into; command options.
   * @returns The members, or how many were stored.
   *
   * @example
   * ```ts ignore
   * const stored = await redis.georadiusbymember("g", "Palermo", 200, "km", { store: "near" });
   * ```
   */
  georadiusbymember<O extends GeoRadiusOptions = NoOptions>(
    key: RedisArgument,
    member: RedisArgument,
    radius: number,
    unit: GeoUnit,
    options?: O,
  ): Promise<GeoRadiusReply<O>> {
    const argv: RedisArgument[] = ["GEORADIUSBYMEMBER", key, member];
    radiusArguments(argv, radius, unit, options, "georadiusbymember");
    return this.sendCommand<RespValue>(argv, options).then(geoMembersOrCount) as Promise<
      GeoRadiusReply<O>
    >;
  }

  /**
   * `GEORADIUSBYMEMBER_RO key member radius unit [...]` (deprecated: use `geosearch`).
   *
   * @param key The key.
   * @param member The centre.
   * @param radius The radius.
   * @param unit Its unit.
   * @param options What to return with each member, order, count; command options.
   * @returns The members.
   *
   * @example
   * ```ts ignore
   * const near = await redis.georadiusbymemberRo("g", "Palermo", 200, "km");
   * ```
   */
  georadiusbymemberRo(
    key: RedisArgument,
    member: RedisArgument,
    radius: number,
    unit: GeoUnit,
    options?: GeoSearchOptions,
  ): Promise<GeoMember[]> {
    const argv: RedisArgument[] = ["GEORADIUSBYMEMBER_RO", key, member];
    radiusArguments(argv, radius, unit, options, "georadiusbymemberRo");
    return this.sendCommand<RespValue>(argv, options).then(geoMembers);
  }
}
