-- Drives Neovim's built-in LSP client against Siyada with docs/neovim/siyada.lua loaded
-- (tests/e2e/test_neovim.py runs it): opens the file, waits for the finding's
-- diagnostic, applies the Siyada fix through vim.lsp.buf.code_action, asks a question
-- with siyada.ask, and writes what it saw as JSON to $SIYADA_NVIM_RESULT. Every wait is
-- on a condition with a deadline; a step that fails records its error and stops.

local result_path = assert(os.getenv('SIYADA_NVIM_RESULT'), 'SIYADA_NVIM_RESULT is not set')
local source = assert(os.getenv('SIYADA_NVIM_SOURCE'), 'SIYADA_NVIM_SOURCE is not set')
local question = assert(os.getenv('SIYADA_NVIM_QUESTION'), 'SIYADA_NVIM_QUESTION is not set')
local wait_ms = tonumber(os.getenv('SIYADA_NVIM_WAIT_MS') or '20000')

-- `steps` names the steps that completed.
local results = { version = vim.version(), steps = {} }

local function wait_for(what, condition)
  if not vim.wait(wait_ms, condition, 20) then
    error(string.format('timed out after %d ms waiting for %s', wait_ms, what), 0)
  end
end

local function buffer_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
end

local function siyada_diagnostics(bufnr)
  return vim.tbl_filter(function(d)
    return d.source == 'siyada'
  end, vim.diagnostic.get(bufnr))
end

local function see_diagnostics(bufnr)
  wait_for('a Siyada diagnostic', function()
    return #siyada_diagnostics(bufnr) > 0
  end)
  results.diagnostics = vim.tbl_map(function(d)
    return { lnum = d.lnum, col = d.col, end_col = d.end_col, message = d.message, severity = d.severity }
  end, siyada_diagnostics(bufnr))
end

-- vim.lsp.buf.code_action on the diagnostic's line; Neovim 0.7 has neither `apply` nor
-- `filter`, so the choice is made where every version offers it: vim.ui.select.
local function apply_fix(bufnr)
  local diagnostic = siyada_diagnostics(bufnr)[1]
  vim.api.nvim_win_set_cursor(0, { diagnostic.lnum + 1, diagnostic.col })
  local before = buffer_text(bufnr)
  local offered
  vim.ui.select = function(items, opts, on_choice)
    offered = {}
    local chosen
    for _, item in ipairs(items) do
      local action = item[2]
      table.insert(offered, { title = opts.format_item(item), kind = action.kind, preferred = action.isPreferred })
      if chosen == nil and action.isPreferred and action.kind == 'quickfix' then
        chosen = item
      end
    end
    on_choice(chosen)
  end
  vim.lsp.buf.code_action()
  wait_for('the code actions', function()
    return offered ~= nil
  end)
  results.actions = offered
  wait_for('the fix to change the buffer', function()
    return buffer_text(bufnr) ~= before
  end)
  results.fixed_text = buffer_text(bufnr)
end

local function ask(bufnr)
  local siyada = require('siyada')
  local diagnostic = siyada_diagnostics(bufnr)[1] or { lnum = 0 }
  vim.api.nvim_win_set_cursor(0, { diagnostic.lnum + 1, 0 })
  local streamed, done = {}, nil
  local answer_buf = siyada.ask(question, {
    on_done = function(err, result)
      done = { err = err, result = result }
    end,
  })
  assert(answer_buf, 'SiyadaAsk found no Siyada client')
  vim.api.nvim_buf_attach(answer_buf, false, {
    on_lines = function()
      table.insert(streamed, buffer_text(answer_buf))
    end,
  })
  wait_for('the answer of siyada.ask', function()
    return done ~= nil
  end)
  results.ask = {
    error = done.err and (done.err.message or tostring(done.err)) or vim.NIL,
    result = done.result or vim.NIL,
    window = buffer_text(answer_buf),
    streamed = streamed,
  }
end

local function run()
  vim.cmd('edit ' .. vim.fn.fnameescape(source))
  local bufnr = vim.api.nvim_get_current_buf()
  results.filetype = vim.bo[bufnr].filetype
  for _, step in ipairs({ { 'diagnostics', see_diagnostics }, { 'fix', apply_fix }, { 'ask', ask } }) do
    local ok, err = pcall(step[2], bufnr)
    if not ok then
      results.error = step[1] .. ': ' .. tostring(err)
      return
    end
    table.insert(results.steps, step[1])
  end
end

local ok, err = pcall(run)
if not ok then
  results.error = 'driver: ' .. tostring(err)
end
local file = assert(io.open(result_path, 'w'))
file:write(vim.fn.json_encode(results))
file:close()
vim.cmd(results.error and 'cquit 1' or 'qall!')
