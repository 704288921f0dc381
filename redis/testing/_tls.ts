// Throwaway certificates made with `openssl`: a certificate authority, and server certificates
// it signs (for localhost, or for the names asked).

/**
 * The TLS material of a server started with `tls`: the CA certificate and the server's files.
 *
 * @example Trusting a throwaway server's CA
 * ```ts
 * import { connect } from "@dray/dray/redis";
 * import { startServer } from "@dray/dray/redis/testing";
 *
 * await using server = await startServer({ tls: true });
 * await using client = await connect(server.url, { tls: { caCerts: [server.tls!.caPem] } });
 * ```
 */
export interface TlsFiles {
  /** The CA certificate in PEM, to give a client as `tls: { caCerts: [caPem] }`. */
  readonly caPem: string;
  /** Path of the CA certificate. */
  readonly caFile: string;
  /** Path of the server certificate (for localhost, 127.0.0.1 and ::1). */
  readonly certFile: string;
  /** Path of the server's private key. */
  readonly keyFile: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
      .output();
  } catch (error) {
    throw new Error(`Cannot run openssl to make test certificates (is it on PATH?): ${error}`);
  }
  if (!output.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
}

/** A throwaway certificate authority: its certificate (file and PEM) and its key's file. */
export interface CertificateAuthority {
  readonly caPem: string;
  readonly caFile: string;
  readonly caKeyFile: string;
}

const KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Makes a CA in `dir` (`ca.crt`, `ca.key`), valid for two days. */
export async function makeCertificateAuthority(dir: string): Promise<CertificateAuthority> {
  await openssl(dir, [
    "req",
    "-x509",
    ...KEY,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=dray throwaway CA",
  ]);
  return {
    caPem: await Deno.readTextFile(`${dir}/ca.crt`),
    caFile: `${dir}/ca.crt`,
    caKeyFile: `${dir}/ca.key`,
  };
}

/**
 * Makes a server certificate signed by `ca` in `dir` (`<name>.crt`, `<name>.key`), valid for two
 * days, whose subject alternative names are exactly `dns` and `ips`.
 */
export async function makeServerCertificate(
  dir: string,
  ca: CertificateAuthority,
  names: { name: string; dns: readonly string[]; ips?: readonly string[] },
): Promise<TlsFiles> {
  const { name } = names;
  await openssl(dir, [
    "req",
    ...KEY,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${names.dns[0] ?? name}`,
  ]);
  const alt = [
    ...names.dns.map((dns) => `DNS:${dns}`),
    ...(names.ips ?? []).map((ip) => `IP:${ip}`),
  ];
  await Deno.writeTextFile(
    `${dir}/${name}.ext`,
    `subjectAltName=${alt.join(",")}\nbasicConstraints=CA:FALSE\n`,
  );
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    ca.caFile,
    "-CAkey",
    ca.caKeyFile,
    // A random serial rather than a serial file, so certificates can be signed side by side.
    "-set_serial",
    `0x${crypto.randomUUID().replaceAll("-", "")}`,
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  ]);
  return {
    caPem: ca.caPem,
    caFile: ca.caFile,
    certFile: `${dir}/${name}.crt`,
    keyFile: `${dir}/${name}.key`,
  };
}

/** Makes a CA and a server certificate signed by it in `dir`, valid for two days. */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  const ca = await makeCertificateAuthority(dir);
  return await makeServerCertificate(dir, ca, {
    name: "server",
    dns: ["localhost"],
    ips: ["127.0.0.1", "::1"],
  });
}
