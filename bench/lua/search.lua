-- wrk script for bench/load.sh: rotate the searches over real places, and print the
-- figures as one JSON line when the run is done.
--
--   wrk -s bench/lua/search.lua http://127.0.0.1:8000 -- api     GET /api/v1/practitioners?near=...
--   wrk -s bench/lua/search.lua http://127.0.0.1:8000 -- page    GET /?near=...
--   wrk -s bench/lua/search.lua http://127.0.0.1:8000/api/__ceiling -- fixed   the URL's path, always
--
-- Dense cities (full first pages, thousands of matches at 100,000 practitioners) are mixed
-- with sparse places (few or no matches). After the first round each worker answers these
-- from its search answer cache; run with SEARCH_CACHE_MB=0 to measure every search anew.

local places = {
  -- dense
  "10001", "10013", "11201", "94110", "94103", "90012", "90027", "60614", "98103", "02139",
  "97214", "78704", "Seattle%2C+WA", "Chicago%2C+IL", "Los+Angeles%2C+CA", "Boston%2C+MA",
  "Denver%2C+CO", "Miami%2C+FL", "Honolulu%2C+HI", "Minneapolis%2C+MN",
  -- sparse
  "59001", "82001", "58102", "99501", "04101", "87501", "05401", "69101", "Boise%2C+ID",
  "Billings%2C+MT",
}

local prefixes = { api = "/api/v1/practitioners?radius=25&near=", page = "/?radius=25&near=" }
local mode = "api"
local next_place = 1

function init(args)
  mode = args[1] or "api"
  if mode ~= "fixed" and prefixes[mode] == nil then
    error("mode must be api, page or fixed, not " .. mode)
  end
  -- Threads start at different places so that they do not march in step.
  next_place = (id or 0) * 7 % #places + 1  -- "id": set by setup() below
end

function setup(thread)
  thread_count = (thread_count or 0) + 1
  thread:set("id", thread_count)
end

function request()
  if mode == "fixed" then
    return wrk.format("GET", wrk.path)
  end
  local place = places[next_place]
  next_place = next_place % #places + 1
  return wrk.format("GET", prefixes[mode] .. place)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "timeouts": %d, "http_errors": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout,
    e.status, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
