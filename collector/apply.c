/* apply.c - the apply and trim Lua scripts and their replies (see apply.h).
 *
 * Numbers that Redis stores (counts, microsecond times) are passed to commands as
 * the strings the collector sent, never converted by Lua: Lua's tostring() would
 * print 1.7e+15 for a microsecond time. Lua numbers are only used for comparisons
 * (exact below 2^53, i.e. until the year 2255 in microseconds).
 */
#include "apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char apply_lua[] =
    "local stream, dead, counters = KEYS[1], KEYS[2], KEYS[3]\n"
    "local group, consumer, sensor = ARGV[1], ARGV[2], ARGV[3]\n"
    "local lateness = tonumber(ARGV[4])\n"
    "local ts_max = ARGV[5]\n"
    "local nids = tonumber(ARGV[8])\n"
    "local ids_at = 9\n"
    /* 1. the guard: every id must be pending for this consumer */
    "if nids > 0 then\n"
    "  local pend = redis.call('XPENDING', stream, group, ARGV[6], ARGV[7], nids + 64, consumer)\n"
    "  local mine = {}\n"
    "  for i = 1, #pend do mine[pend[i][1]] = true end\n"
    "  local missing = {}\n"
    "  for i = ids_at, ids_at + nids - 1 do\n"
    "    if not mine[ARGV[i]] then missing[#missing + 1] = ARGV[i] end\n"
    "  end\n"
    "  if #missing > 0 then return {0, missing} end\n"
    "  local i = ids_at\n"
    "  while i < ids_at + nids do\n"
    "    local j = math.min(i + 999, ids_at + nids - 1)\n"
    "    redis.call('XACK', stream, group, unpack(ARGV, i, j))\n"
    "    i = j + 1\n"
    "  end\n"
    "end\n"
    "local function chunked(head, list)\n"
    "  local i, n = 1, #list\n"
    "  while i <= n do\n"
    "    local j = math.min(i + 1999, n)\n"
    "    local args = {}\n"
    "    for k = 1, #head do args[k] = head[k] end\n"
    "    for k = i, j do args[#args + 1] = list[k] end\n"
    "    redis.call(unpack(args))\n"
    "    i = j + 1\n"
    "  end\n"
    "end\n"
    "local function argv_chunked(cmd, key, from, n)\n"
    "  local i = from\n"
    "  while i < from + n do\n"
    "    local j = math.min(i + 999, from + n - 1)\n"
    "    redis.call(cmd, key, unpack(ARGV, i, j))\n"
    "    i = j + 1\n"
    "  end\n"
    "end\n"
    "local p = ids_at + nids\n"
    "local ndead = tonumber(ARGV[p])\n"
    "local dead_at = p + 1\n"
    "p = dead_at + 5 * ndead\n"
    /* 2. signature messages */
    "local nsigs = tonumber(ARGV[p]); p = p + 1\n"
    "if nsigs > 0 then argv_chunked('HSET', 'ictwatch:agg:signatures', p, 2 * nsigs) end\n"
    "p = p + 2 * nsigs\n"
    "local n_valid, n_ignored, n_lost = tonumber(ARGV[p]), ARGV[p + 1], ARGV[p + 2]\n"
    "local top_keep, dead_maxlen = tonumber(ARGV[p + 3]), ARGV[p + 4]\n"
    "p = p + 5\n"
    /* 3. dead letters and counters */
    "for i = 0, ndead - 1 do\n"
    "  local d = dead_at + 5 * i\n"
    "  redis.call('XADD', dead, 'MAXLEN', '~', dead_maxlen, '*', 'id', ARGV[d], 'sensor', sensor,\n"
    "             'reason', ARGV[d + 1], 'detail', ARGV[d + 2], 'size', ARGV[d + 3], 'data', ARGV[d + 4])\n"
    "end\n"
    "local nreasons = tonumber(ARGV[p]); p = p + 1\n"
    "for i = 1, nreasons do\n"
    "  redis.call('HINCRBY', counters, 'dead:' .. ARGV[p], ARGV[p + 1]); p = p + 2\n"
    "end\n"
    "if ndead > 0 then redis.call('HINCRBY', counters, 'dead', ndead) end\n"
    /* 4. the windows */
    "local wm = tonumber(redis.call('HGET', 'ictwatch:agg:watermark', sensor) or '-1')\n"
    "local late_total, late_by_w = 0, {}\n"
    "local nb = tonumber(ARGV[p]); p = p + 1\n"
    "for b = 1, nb do\n"
    "  local wname, size, ttl, start = ARGV[p], tonumber(ARGV[p + 1]), ARGV[p + 2], ARGV[p + 3]\n"
    "  p = p + 4\n"
    "  local base = 'ictwatch:agg:' .. wname .. ':' .. start .. ':'\n"
    "  local late = wm >= (tonumber(start) + size) * 1000000 + lateness\n"
    "  redis.call('ZADD', 'ictwatch:agg:' .. wname .. ':windows', start, start)\n"
    "  local nt = tonumber(ARGV[p]); p = p + 1\n"
    "  if late then\n"
    "    local k = base .. 'late'\n"
    "    for i = 1, nt do\n"
    "      redis.call('HINCRBY', k, ARGV[p], ARGV[p + 1])\n"
    "      local c = tonumber(ARGV[p + 1])\n"
    "      late_total = late_total + c; late_by_w[wname] = (late_by_w[wname] or 0) + c\n"
    "      p = p + 2\n"
    "    end\n"
    "    if nt > 0 then redis.call('EXPIRE', k, ttl) end\n"
    "  else\n"
    "    local kc = base .. 'count'\n"
    "    for i = 1, nt do\n"
    "      redis.call('HINCRBY', kc, ARGV[p], ARGV[p + 1])\n"
    "      p = p + 2\n"
    "    end\n"
    "    if nt > 0 then redis.call('EXPIRE', kc, ttl) end\n"
    "  end\n"
    "  local no = tonumber(ARGV[p]); p = p + 1\n"
    "  if late then\n"
    "    p = p + 3 * no\n"
    "  else\n"
    "    local touched = {}\n"
    "    for i = 1, no do\n"
    "      local k = base .. 'top:' .. ARGV[p]\n"
    "      redis.call('ZINCRBY', k, ARGV[p + 2], ARGV[p + 1])\n"
    "      touched[k] = true\n"
    "      p = p + 3\n"
    "    end\n"
    "    for k in pairs(touched) do\n"
    "      redis.call('EXPIRE', k, ttl)\n"
    "      if redis.call('ZCARD', k) > 2 * top_keep then\n"
    "        redis.call('ZREMRANGEBYRANK', k, 0, -(top_keep + 1))\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "  local ng = tonumber(ARGV[p]); p = p + 1\n"
    "  local firsts, lasts = {}, {}\n"
    "  for g = 1, ng do\n"
    "    local grain = ARGV[p]\n"
    "    firsts[#firsts + 1] = ARGV[p + 1]; firsts[#firsts + 1] = grain\n"
    "    lasts[#lasts + 1] = ARGV[p + 2]; lasts[#lasts + 1] = grain\n"
    "    p = p + 3\n"
    "    for _, part in ipairs({'src:', 'dst:'}) do\n"
    "      local n = tonumber(ARGV[p]); p = p + 1\n"
    "      if not late and n > 0 then\n"
    "        local k = base .. part .. grain\n"
    "        argv_chunked('PFADD', k, p, n)\n"
    "        redis.call('EXPIRE', k, ttl)\n"
    "      end\n"
    "      p = p + n\n"
    "    end\n"
    "  end\n"
    "  if ng > 0 and not late then\n"
    "    chunked({'ZADD', base .. 'first', 'LT'}, firsts)\n"
    "    chunked({'ZADD', base .. 'last', 'GT'}, lasts)\n"
    "    redis.call('EXPIRE', base .. 'first', ttl); redis.call('EXPIRE', base .. 'last', ttl)\n"
    "  end\n"
    "end\n"
    /* 5. counters and the sensor's watermark */
    "redis.call('HINCRBY', counters, 'entries', nids)\n"
    "if n_valid > 0 then\n"
    "  redis.call('HINCRBY', counters, 'alerts', n_valid)\n"
    "  if tonumber(ts_max) > wm then redis.call('HSET', 'ictwatch:agg:watermark', sensor, ts_max) end\n"
    "end\n"
    "for w, n in pairs(late_by_w) do redis.call('HINCRBY', counters, 'late:' .. w, n) end\n"
    "if n_ignored ~= '0' then redis.call('HINCRBY', counters, 'ignored', n_ignored) end\n"
    "if n_lost ~= '0' then redis.call('HINCRBY', counters, 'lost', n_lost) end\n"
    "return {1, n_valid, late_total}\n";

static const char trim_lua[] =
    "local stream = KEYS[1]\n"
    "if redis.call('EXISTS', stream) == 0 then return 0 end\n"
    "local groups = redis.call('XINFO', 'GROUPS', stream)\n"
    "if #groups == 0 then return 0 end\n"
    "local best_ms, best_seq\n"
    "for _, g in ipairs(groups) do\n"
    "  local f = {}\n"
    "  for i = 1, #g, 2 do f[g[i]] = g[i + 1] end\n"
    "  local ms, seq\n"
    "  if tonumber(f['pending']) > 0 then\n"
    "    local s = redis.call('XPENDING', stream, f['name'])\n"
    "    ms, seq = string.match(s[2], '^(%d+)-(%d+)$')\n"
    "    ms, seq = tonumber(ms), tonumber(seq)\n"
    "  else\n"
    "    ms, seq = string.match(f['last-delivered-id'], '^(%d+)-(%d+)$')\n"
    "    ms, seq = tonumber(ms), tonumber(seq) + 1\n"
    "  end\n"
    "  if not ms then return 0 end\n"
    "  if not best_ms or ms < best_ms or (ms == best_ms and seq < best_seq) then\n"
    "    best_ms, best_seq = ms, seq\n"
    "  end\n"
    "end\n"
    "return redis.call('XTRIM', stream, 'MINID', string.format('%d-%d', best_ms, best_seq))\n";

void apply_scripts_init(struct apply_scripts *s)
{
    memset(s, 0, sizeof(*s));
    s->apply.name = "apply";
    s->apply.text = apply_lua;
    s->trim.name = "trim";
    s->trim.text = trim_lua;
}

int apply_scripts_load(struct rconn *r, struct apply_scripts *s)
{
    return rconn_load_script(r, &s->apply) || rconn_load_script(r, &s->trim) ? -1 : 0;
}

void apply_outcome_parse(struct apply_outcome *o, redisReply *x, const struct rconn *r, char *err,
                         size_t errlen)
{
    memset(o, 0, sizeof(*o));
    o->status = APPLY_ERROR;
    o->reply = x;
    if (!rconn_is_array(x) || x->elements < 2) {
        snprintf(err, errlen, "apply script: %s", rconn_errstr(r, x));
        return;
    }
    long long st = rconn_int(x->element[0], -1);
    if (st == 1 && x->elements >= 3) {
        o->status = APPLY_DONE;
        o->applied = (uint64_t)rconn_int(x->element[1], 0);
        o->late = (uint64_t)rconn_int(x->element[2], 0);
        return;
    }
    if (st == 0 && rconn_is_array(x->element[1])) {
        redisReply *m = x->element[1];
        o->not_owned = calloc(m->elements ? m->elements : 1, sizeof(*o->not_owned));
        o->not_owned_len = calloc(m->elements ? m->elements : 1, sizeof(*o->not_owned_len));
        if (!o->not_owned || !o->not_owned_len) {
            snprintf(err, errlen, "out of memory");
            return;
        }
        for (size_t i = 0; i < m->elements; i++) {
            if (!rconn_is_str(m->element[i]))
                continue;
            o->not_owned[o->n_not_owned] = m->element[i]->str;
            o->not_owned_len[o->n_not_owned++] = m->element[i]->len;
        }
        o->status = APPLY_NOT_OWNED;
        return;
    }
    snprintf(err, errlen, "apply script: unexpected reply");
}

void apply_outcome_free(struct apply_outcome *o)
{
    if (o->reply)
        freeReplyObject(o->reply);
    free(o->not_owned);
    free(o->not_owned_len);
    memset(o, 0, sizeof(*o));
}

long long apply_trim(struct rconn *r, struct apply_scripts *s, const char *stream, char *err, size_t errlen)
{
    const char *argv[1] = {stream};
    size_t lens[1] = {strlen(stream)};
    redisReply *x = rconn_eval(r, &s->trim, 1, 1, argv, lens);
    if (!x || x->type != REDIS_REPLY_INTEGER) {
        snprintf(err, errlen, "trim %s: %s", stream, rconn_errstr(r, x));
        if (x)
            freeReplyObject(x);
        return -1;
    }
    long long n = x->integer;
    freeReplyObject(x);
    return n;
}
