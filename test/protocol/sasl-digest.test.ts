import { test } from "node:test";
import assert from "node:assert/strict";
import {
  SaslDigestError,
  ZK_DIGEST_URI,
  buildChallenge,
  checkResponse,
  parseChallenge,
  parseDirectives,
  parseResponse,
  respondToChallenge,
  responseValue,
  verifyRspauth,
} from "../../src/protocol/sasl-digest.js";

// RFC 2831 §4, example 1 (IMAP): user "chris", password "secret".
const IMAP_CHALLENGE =
  'realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8';
const IMAP = {
  username: "chris",
  realm: "elwood.innosoft.com",
  password: "secret",
  nonce: "OA6MG9tEQGm2hh",
  cnonce: "OA6MHXh6VqTrRk",
  nc: "00000001",
  qop: "auth",
  digestUri: "imap/elwood.innosoft.com",
  utf8: true,
};

test("RFC 2831 example 1: response and rspauth values", () => {
  assert.equal(responseValue(IMAP), "d388dad90d4bbd760a152321f2143af7");
  assert.equal(responseValue(IMAP, true), "ea40f60335c427b5527b84dbabcdfffd");
});

test("RFC 2831 example 2 (ACAP): response value", () => {
  const acap = {
    ...IMAP,
    nonce: "OA9BSXrbuRhWay",
    cnonce: "OA9BSuZWMSpW8m",
    digestUri: "acap/elwood.innosoft.com",
  };
  assert.equal(responseValue(acap), "6084c6db3fede7352c551284490fd0fc");
});

test("client answers the RFC challenge with the RFC's response and accepts its rspauth", () => {
  const ch = parseChallenge(IMAP_CHALLENGE);
  assert.deepEqual(ch.realms, ["elwood.innosoft.com"]);
  assert.equal(ch.nonce, "OA6MG9tEQGm2hh");
  assert.ok(ch.utf8);
  const step = respondToChallenge(
    ch,
    { username: "chris", password: "secret" },
    { digestUri: "imap/elwood.innosoft.com", cnonce: "OA6MHXh6VqTrRk" },
  );
  const resp = parseResponse(step.token);
  assert.equal(resp.response, "d388dad90d4bbd760a152321f2143af7");
  assert.equal(resp.username, "chris");
  assert.equal(resp.nc, "00000001");
  assert.ok(verifyRspauth("rspauth=ea40f60335c427b5527b84dbabcdfffd", step.expectedRspauth));
  assert.ok(!verifyRspauth("rspauth=00000000000000000000000000000000", step.expectedRspauth));
  assert.ok(!verifyRspauth("garbage", step.expectedRspauth));
});

test("server checks the RFC's response and builds the RFC's rspauth", () => {
  const resp = parseResponse(
    'charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",nc=00000001,' +
      'cnonce="OA6MHXh6VqTrRk",digest-uri="imap/elwood.innosoft.com",' +
      "response=d388dad90d4bbd760a152321f2143af7,qop=auth",
  );
  const expect = {
    nonce: "OA6MG9tEQGm2hh",
    realm: "elwood.innosoft.com",
    digestUri: "imap/elwood.innosoft.com",
  };
  const ok = checkResponse(resp, { ...expect, password: "secret" });
  assert.ok(ok.ok);
  if (ok.ok) {
    assert.equal(ok.rspauth.toString(), "rspauth=ea40f60335c427b5527b84dbabcdfffd");
    assert.equal(ok.authorizationId, "chris");
  }
  const bad = checkResponse(resp, { ...expect, password: "wrong" });
  assert.deepEqual(bad, { ok: false, reason: "wrong password for chris" });
  assert.equal(checkResponse(resp, { ...expect, password: null }).ok, false);
  assert.equal(checkResponse(resp, { ...expect, nonce: "other", password: "secret" }).ok, false);
  assert.equal(checkResponse(resp, { ...expect, digestUri: ZK_DIGEST_URI, password: "secret" }).ok, false);
});

test("ZooKeeper round trip: server challenge → client response → server check → client verifies", () => {
  const { token, nonce } = buildChallenge();
  const step = respondToChallenge(parseChallenge(token), { username: "bob", password: "pässwörd€" });
  const resp = parseResponse(step.token);
  assert.equal(resp.digestUri, "zookeeper/zk-sasl-md5");
  assert.equal(resp.realm, "zk-sasl-md5");
  const res = checkResponse(resp, { nonce, realm: "zk-sasl-md5", password: "pässwörd€" });
  assert.ok(res.ok);
  if (res.ok) assert.ok(verifyRspauth(res.rspauth, step.expectedRspauth));
});

test("directive parsing: quoting, escapes, empty elements, errors", () => {
  assert.deepEqual(parseDirectives(' a="x\\"y,z" , ,B=tok,c=""'), [
    ["a", 'x"y,z'],
    ["b", "tok"],
    ["c", ""],
  ]);
  assert.throws(() => parseDirectives('a="open'), SaslDigestError);
  assert.throws(() => parseDirectives("novalue"), SaslDigestError);
  assert.throws(() => parseChallenge('nonce="n",algorithm=md5'), /md5-sess/);
  assert.throws(() => parseChallenge("algorithm=md5-sess"), /no nonce/);
  assert.throws(() => parseResponse('username="u",username="v"'), /repeats username/);
  assert.throws(
    () =>
      respondToChallenge(parseChallenge('nonce="n",qop="auth-conf",algorithm=md5-sess'), {
        username: "u",
        password: "p",
      }),
    /only auth/,
  );
});
