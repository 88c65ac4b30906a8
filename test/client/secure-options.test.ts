/** The `tls`, `sasl` and `defaultAcl` options: copied, validated, and refused precisely. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CREATOR_ALL_ACL,
  InvalidArgumentError,
  OPEN_ACL_UNSAFE,
  parseOptions,
} from "../../src/client/index.js";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const base = { connectString: "127.0.0.1:2181" };

test("tls: off by default; true means Node's CAs; PEM strings and buffers are copied", () => {
  assert.equal(parseOptions(base).tls, null);
  assert.deepEqual(parseOptions({ ...base, tls: true }).tls, {
    ca: undefined,
    cert: undefined,
    key: undefined,
    servername: undefined,
    rejectUnauthorized: true,
  });
  const ca = Buffer.from(PEM);
  const tls = parseOptions({
    ...base,
    tls: { ca: [ca, PEM], cert: PEM, key: PEM, rejectUnauthorized: false },
  }).tls;
  assert.ok(tls !== null);
  assert.equal(tls.ca?.length, 2);
  assert.notEqual(tls.ca?.[0], ca, "copied");
  assert.equal(tls.rejectUnauthorized, false);
});

test("tls: bad values name the field", () => {
  const bad = (tls: unknown, field: RegExp): void =>
    assert.throws(
      () => parseOptions({ ...base, tls } as never),
      (e: Error) => e instanceof InvalidArgumentError && field.test(e.message),
    );
  bad({ ca: "not a pem" }, /tls\.ca\[0\]: not PEM/);
  bad({ cert: PEM }, /tls\.key: tls\.cert and tls\.key go together/);
  bad({ ca: 5 }, /tls\.ca\[0\]: expected a PEM string or Buffer/);
  bad({ servername: "" }, /tls\.servername/);
  bad({ rejectUnauthorized: "no" }, /tls\.rejectUnauthorized/);
  bad({ verify: true }, /tls\.verify: unknown option/);
});

test("sasl: DIGEST-MD5 only, user name required", () => {
  assert.deepEqual(parseOptions({ ...base, sasl: { username: "bob", password: "pw" } }).sasl, {
    mechanism: "DIGEST-MD5",
    username: "bob",
    password: "pw",
  });
  assert.throws(() => parseOptions({ ...base, sasl: { username: "", password: "x" } }), /sasl\.username/);
  assert.throws(
    () => parseOptions({ ...base, sasl: { username: "u", password: "p", mechanism: "PLAIN" } } as never),
    /only DIGEST-MD5 is supported, got "PLAIN"/,
  );
});

test("defaultAcl: OPEN_ACL_UNSAFE unless given; an empty list is refused", () => {
  assert.deepEqual(parseOptions(base).defaultAcl, OPEN_ACL_UNSAFE);
  assert.deepEqual(parseOptions({ ...base, defaultAcl: CREATOR_ALL_ACL }).defaultAcl, CREATOR_ALL_ACL);
  assert.throws(() => parseOptions({ ...base, defaultAcl: [] }), /defaultAcl/);
});
