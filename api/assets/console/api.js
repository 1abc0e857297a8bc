// The console's only way to the server: the documented /api/v1 JSON API,
// with the officer's bearer token from this tab's session storage.

const TOKEN_KEY = 'markaz.console.token';

export const session = {
  token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  signIn(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** A non-2xx answer, with its problem+json body. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
  get code() {
    return this.problem.code;
  }
  get fieldErrors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

let onUnauthorized = () => {};

/** Called on every 401: the token is missing, unknown or revoked. */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/**
 * Sends one request to `/api/v1${path}`. `query` entries with empty values
 * are left out. Answers `{status, json, headers}`, throws `ApiError`.
 */
export async function api(method, path, options = {}) {
  const { body, query, ifMatch, idempotencyKey, signal } = options;
  const headers = { Accept: 'application/json' };
  const token = session.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (ifMatch !== undefined) headers['If-Match'] = `"${ifMatch}"`;
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let url = `/api/v1${path}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') params.set(key, value);
    }
    const text = params.toString();
    if (text) url += `?${text}`;
  }
  let answer;
  try {
    answer = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, { code: 'network', detail: String(error.message || error) });
  }
  const text = await answer.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!answer.ok) {
    const error = new ApiError(answer.status, json);
    if (answer.status === 401) onUnauthorized(error);
    throw error;
  }
  return { status: answer.status, json, headers: answer.headers };
}

/**
 * One `Idempotency-Key` per distinct request: a retry of the same body
 * reuses it (so a lost answer is not a second filing), a changed body gets
 * a new one (the server refuses a key reused for another body).
 */
export class IdempotencyKeys {
  constructor() {
    this.last = null;
  }
  for(request) {
    const text = JSON.stringify(request);
    if (!this.last || this.last.text !== text) {
      this.last = { text, key: crypto.randomUUID() };
    }
    return this.last.key;
  }
  reset() {
    this.last = null;
  }
}

const NIL_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Which role the token has, from what the API lets it do (the API has no
 * "who am I" endpoint): every probe is a documented read whose answer is
 * 403 for roles without the permission.
 */
export async function detectRole() {
  const allowed = async (path, query) => {
    try {
      await api('GET', path, { query });
      return true;
    } catch (error) {
      if (error.status === 401 || error.status === 0) throw error;
      // 404 of an auditor asking for a case that does not exist: allowed.
      return error.status === 404;
    }
  };
  const [admin, auditor, supervisor, queue] = await Promise.all([
    allowed('/officers'),
    allowed(`/audit/complaints/${NIL_ID}`),
    allowed('/performance', { by: 'unit' }),
    allowed('/gender-desk/queue', { limit: 1 }),
  ]);
  if (admin) return 'admin';
  if (auditor) return 'auditor';
  if (supervisor) return 'supervisor';
  if (queue) return 'gender_desk';
  await api('GET', '/complaints', { query: { limit: 1 } });
  return 'desk';
}
