// Users and access tokens like the real runtime (flask_jwt_extended): create-user is open only while no user exists,
// login hands out an HS256 JWT that expires after STANDIN_TOKEN_TTL_S (15 min by default), logout revokes it in memory.
import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import { signJwt, verifyJwt } from './jwt.mjs';

function hashPassword(password, salt = randomBytes(16).toString('hex')) {
  return { salt, hash: scryptSync(password, salt, 32).toString('hex') };
}

function passwordMatches(user, password) {
  const { hash } = hashPassword(password, user.salt);
  return timingSafeEqual(Buffer.from(hash, 'hex'), Buffer.from(user.hash, 'hex'));
}

export function createAuth({ state, tokenTtlS, log }) {
  const revoked = new Set();

  /** `{ claims }`, or `{ status, msg }` to answer with: the runtime's 401/422 bodies are all `{"msg": ...}`. */
  function check(authorization) {
    if (authorization === undefined) return { status: 401, msg: 'Missing Authorization Header' };
    const [type, token, ...rest] = authorization.trim().split(/\s+/);
    if (type !== 'Bearer' || !token || rest.length > 0) {
      return { status: 422, msg: "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'" };
    }
    const verdict = verifyJwt(token, state.data.jwt_secret);
    if (verdict.claims && revoked.has(verdict.claims.jti)) return { status: 401, msg: 'Token has been revoked' };
    return verdict;
  }

  return {
    check,
    hasUsers: () => state.data.users.length > 0,
    createUser(username, password) {
      if (state.data.users.some((u) => u.username === username)) return null;
      const id = state.data.users.reduce((max, u) => Math.max(max, u.id), 0) + 1;
      state.data.users.push({ id, username, ...hashPassword(password) });
      state.save();
      log(`user ${JSON.stringify(username)} created (id ${id})`);
      return id;
    },
    /** An access token for a known user and the right password, else null. */
    login(username, password) {
      const user = state.data.users.find((u) => u.username === username);
      if (!user || typeof password !== 'string' || !passwordMatches(user, password)) {
        log(`login refused for ${JSON.stringify(String(username))}`);
        return null;
      }
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        fresh: false,
        iat: now,
        jti: randomUUID(),
        type: 'access',
        sub: String(user.id),
        nbf: now,
        csrf: randomUUID(),
        exp: now + tokenTtlS,
      };
      log(`login ok for ${JSON.stringify(username)} (token expires in ${tokenTtlS} s)`);
      return signJwt(claims, state.data.jwt_secret);
    },
    revoke(claims) {
      revoked.add(claims.jti);
    },
  };
}
