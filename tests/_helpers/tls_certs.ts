// Makes a throwaway PKI with `openssl` in a temp dir: a CA, a server certificate for localhost and
// 127.0.0.1 signed by it, a client certificate signed by it, and a second CA that signed nothing
// the server has. EC P-256 keys, so that making them is quick. `await using` removes the dir.

/** The files and PEM texts of a test PKI. */
export interface TestPki extends AsyncDisposable {
  readonly dir: string;
  /** Paths, for redis-server's `--tls-*-file` arguments. */
  readonly files: {
    readonly caCert: string;
    readonly serverCert: string;
    readonly serverKey: string;
  };
  /** The CA that signed both certificates, PEM. */
  readonly caCert: string;
  /** A CA that signed neither, PEM. */
  readonly otherCaCert: string;
  /** The client's certificate and key, PEM. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate and key signed by the other CA, PEM. */
  readonly strangerCert: string;
  readonly strangerKey: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`openssl ${args[0]} failed (${code}): ${new TextDecoder().decode(stderr)}`);
  }
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(dir, [
    "req",
    "-x509",
    ...EC,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-subj",
    `/CN=dray test ${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

async function makeLeaf(dir: string, name: string, ca: string, extensions: string): Promise<void> {
  await openssl(dir, [
    "req",
    ...EC,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${name}`,
  ]);
  await Deno.writeTextFile(`${dir}/${name}.ext`, extensions);
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  ]);
}

/** Makes the PKI; throws when `openssl` fails. */
export async function makeTestPki(): Promise<TestPki> {
  const dir = await Deno.makeTempDir({ prefix: "dray-pki-" });
  try {
    await makeCa(dir, "ca");
    await makeCa(dir, "other-ca");
    await makeLeaf(
      dir,
      "server",
      "ca",
      "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n" +
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n",
    );
    const clientExt = "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n" +
      "keyUsage=digitalSignature\n";
    await makeLeaf(dir, "client", "ca", clientExt);
    await makeLeaf(dir, "stranger", "other-ca", clientExt);
    const read = (name: string): Promise<string> => Deno.readTextFile(`${dir}/${name}`);
    return {
      dir,
      files: {
        caCert: `${dir}/ca.crt`,
        serverCert: `${dir}/server.crt`,
        serverKey: `${dir}/server.key`,
      },
      caCert: await read("ca.crt"),
      otherCaCert: await read("other-ca.crt"),
      clientCert: await read("client.crt"),
      clientKey: await read("client.key"),
      strangerCert: await read("stranger.crt"),
      strangerKey: await read("stranger.key"),
      async [Symbol.asyncDispose]() {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      },
    };
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

/** `redis-server` arguments for TLS only on `tlsPort` with the PKI's certificates. */
export function tlsServerArgs(pki: TestPki, tlsPort: number, authClients = true): string[] {
  return [
    "--port",
    "0",
    "--tls-port",
    String(tlsPort),
    "--tls-cert-file",
    pki.files.serverCert,
    "--tls-key-file",
    pki.files.serverKey,
    "--tls-ca-cert-file",
    pki.files.caCert,
    "--tls-auth-clients",
    authClients ? "yes" : "no",
  ];
}
