-- Request generator and reporter for wrk:
--   wrk -s workload.lua <base url> -- <workload> <max id> [<access token>]
-- Workloads: get (GET /items/{id}), list (GET /items/?limit=20&skip=N),
-- create (POST /items/), mix (90% reads: 60 get + 30 list; 10% create).
-- With an access token every request carries "Authorization: Bearer <token>".
-- done() prints one line, "WRK_RESULT {json}", that benchmarks/serving.py parses.

local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

-- Per-thread state (each wrk thread has its own Lua state).
local workload = "get"
local max_id = 10000
local created = 0
non2xx = 0 -- global, so that done() can read it from each thread

local json_headers = { ["Content-Type"] = "application/json" }

local function get_item()
  return wrk.format("GET", "/items/" .. math.random(1, max_id))
end

local function list_items()
  return wrk.format("GET", "/items/?limit=20&skip=" .. math.random(0, max_id - 20))
end

local function create_item()
  created = created + 1
  local body = string.format(
    '{"title": "bench %d-%d", "description": "Written by the benchmark, thread %d."}',
    thread_id or 0, created, thread_id or 0
  )
  return wrk.format("POST", "/items/", json_headers, body)
end

local function mix()
  local roll = math.random(100)
  if roll <= 10 then
    return create_item()
  elseif roll <= 40 then
    return list_items()
  end
  return get_item()
end

local generators = { get = get_item, list = list_items, create = create_item, mix = mix }
local generate = get_item

function init(args)
  workload = args[1] or workload
  max_id = tonumber(args[2]) or max_id
  if args[3] then -- wrk.format uses wrk.headers only when given no headers: json_headers gets it too
    wrk.headers["Authorization"] = "Bearer " .. args[3]
    json_headers["Authorization"] = "Bearer " .. args[3]
  end
  generate = generators[workload]
  if generate == nil then
    error("unknown workload: " .. workload)
  end
  math.randomseed(os.time() * 1000 + (thread_id or 0))
end

function request()
  return generate()
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"non2xx": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    bad, errors.connect, errors.read, errors.write, errors.timeout
  ))
end
