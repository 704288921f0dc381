// A throwaway certificate authority and a server certificate for localhost, made with `openssl`.

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

/** Makes a CA and a server certificate signed by it in `dir`, valid for two days. */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(dir, [
    "req",
    "-x509",
    ...key,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=dray throwaway CA",
  ]);
  await openssl(dir, [
    "req",
    ...key,
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=localhost",
  ]);
  await Deno.writeTextFile(
    `${dir}/server.ext`,
    "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\n",
  );
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.crt",
    "-days",
    "2",
    "-extfile",
    "server.ext",
  ]);
  return {
    caPem: await Deno.readTextFile(`${dir}/ca.crt`),
    caFile: `${dir}/ca.crt`,
    certFile: `${dir}/server.crt`,
    keyFile: `${dir}/server.key`,
  };
}
