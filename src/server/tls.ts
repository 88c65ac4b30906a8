/**
 * The TLS listener (Apache's secureClientPort): Node's `tls` server in front of the same connection
 * handling as the plain port. A client certificate that verified against the CA gives the connection
 * an `x509:<subject DN>` identity, as Apache's X509AuthenticationProvider does after the handshake.
 * Anything that is not a good TLS handshake (plain ZooKeeper frames, text, a refused or expired
 * certificate) fails inside `tls` and only that socket is closed.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server, type TLSSocket } from "node:tls";
import type { Id } from "../protocol/index.js";
import { InvalidArgumentError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { ResolvedTls } from "./security-options.js";
import { subjectDn } from "./x509-name.js";

async function readPem(option: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new InvalidArgumentError(option, `cannot read ${file}: ${(err as Error).message}`);
  }
}

/**
 * Create (not yet listening) the TLS server; `onSocket` gets every socket whose handshake succeeded,
 * with the identities its certificate earned. Throws InvalidArgumentError for unreadable or
 * unusable PEM files, so a bad configuration stops the start instead of every handshake.
 */
export async function createTlsListener(
  tls: ResolvedTls,
  handshakeTimeoutMs: number,
  x509SuperUser: string | null,
  logger: Logger,
  onSocket: (socket: TLSSocket, ids: Id[]) => void,
): Promise<Server> {
  const [cert, key, ca] = await Promise.all([
    readPem("tls.certFile", tls.certFile),
    readPem("tls.keyFile", tls.keyFile),
    tls.caFile === null ? Promise.resolve(undefined) : readPem("tls.caFile", tls.caFile),
  ]);
  let server: Server;
  try {
    server = createServer(
      {
        cert,
        key,
        ...(ca === undefined ? {} : { ca }),
        ...(tls.passphrase === null ? {} : { passphrase: tls.passphrase }),
        requestCert: tls.clientAuth !== "none",
        // "need" refuses a missing or unverifiable certificate during the handshake; with "want" a
        // missing one is allowed, and a presented one that fails verification is refused below.
        rejectUnauthorized: tls.clientAuth === "need",
        handshakeTimeout: handshakeTimeoutMs,
        minVersion: "TLSv1.2",
      },
      (socket) => accepted(socket),
    );
  } catch (err) {
    throw new InvalidArgumentError("tls", `cannot use the certificate and key: ${(err as Error).message}`);
  }
  const accepted = (socket: TLSSocket): void => {
    const ids: Id[] = [];
    if (tls.clientAuth !== "none") {
      const peer = socket.getPeerX509Certificate();
      if (peer !== undefined) {
        if (!socket.authorized) {
          logger.info(
            { address: socket.remoteAddress, reason: String(socket.authorizationError) },
            "client certificate not trusted; closing",
          );
          socket.destroy();
          return;
        }
        let dn: string;
        try {
          dn = subjectDn(peer.raw);
        } catch (err) {
          logger.info(
            { err, address: socket.remoteAddress },
            "unreadable client certificate subject; closing",
          );
          socket.destroy();
          return;
        }
        if (x509SuperUser !== null && dn === x509SuperUser) ids.push({ scheme: "super", id: dn });
        ids.push({ scheme: "x509", id: dn });
      }
    }
    onSocket(socket, ids);
  };
  // A failed handshake (plain frames on the TLS port, a refused certificate, a timeout) closes that
  // socket only. Node destroys it for most errors but not for a handshake timeout, hence destroy().
  server.on("tlsClientError", (err, socket) => {
    logger.debug({ err, address: socket.remoteAddress }, "TLS handshake failed; connection closed");
    socket.destroy();
  });
  return server;
}
