-- wrk script: sixteen desks receiving dossiers through the real API. Each
-- request back-enters its receipt on one of the last 50 days, because a
-- legal dossier code allows 9,999 dossiers a day and this load exceeds it.
local token = os.getenv("XASO_TOKEN")
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

request = function()
  n = n + 1
  local when = os.date("!%Y-%m-%dT02:%M:%SZ", os.time() - (1 + n % 50) * 86400)
  local body = '{"procedure_code":"1.001193","applicant":{"full_name":"Nguyễn Văn An",' ..
    '"id_number":"037090001234","date_of_birth":"1990-05-01","phone":"0912345678"},"received_at":"' .. when .. '"}'
  return wrk.format(nil, "/api/v1/dossiers", nil, body)
end
