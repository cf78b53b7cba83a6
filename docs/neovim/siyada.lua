-- Siyada in Neovim (0.7 or newer) with the built-in LSP client.
--
-- Copy this file to ~/.config/nvim/plugin/siyada.lua (or `:luafile` it from your
-- init.lua). To change the defaults, set `vim.g.siyada` before it runs, for example
-- in init.lua:
--
--   vim.g.siyada = {
--     cmd = { vim.fn.expand('~/.local/share/siyada/venv/bin/siyada'), 'lsp' },
--     settings = { model = 'qwen2.5-coder:7b', provider = 'ollama', endpoint = '' },
--   }
--
-- `settings` takes the names of the README's "Settings" table. They reach the server
-- twice, as the server reads them: as initializationOptions, and as the answer to its
-- workspace/configuration request for section `siyada`.
--
-- Commands: `:SiyadaAsk {question}` asks the local model about the function at the
-- cursor and shows the answer, as it streams in, in a floating window (`q` closes it;
-- closing it stops an answer still coming). The code action "Ask about this finding"
-- (`vim.lsp.buf.code_action()` on a finding) asks for a question, then does the same
-- about that finding.
--
-- One client per project root, started on FileType. Neovim 0.7 has no vim.lsp.start
-- (nor vim.fs), so there the client is started with vim.lsp.start_client and attached
-- with vim.lsp.buf_attach_client; later versions, where start_client is deprecated,
-- use vim.lsp.start with the same client configuration.

local M = {}

local defaults = {
  cmd = { 'siyada', 'lsp' },
  -- Neovim's filetypes for the languages Siyada reviews (its LSP language ids).
  filetypes = {
    'python', 'javascript', 'javascriptreact', 'typescript', 'typescriptreact',
    'go', 'rust', 'java', 'c', 'cpp',
  },
  -- The project root is the nearest folder upwards holding one of these.
  root_markers = { '.siyada.toml', 'pyproject.toml', 'package.json', 'go.mod', 'Cargo.toml', '.git' },
  settings = {},
}

-- Each key given replaces the default's whole value (a list is not merged item by item).
M.config = vim.tbl_extend('force', defaults, vim.g.siyada or {})

local uv = vim.uv or vim.loop
-- Neovim 0.11 made client methods take the client (`client:request`); 0.7 has closures.
local methods = vim.fn.has('nvim-0.11') == 1

local function request(client, method, params, handler, bufnr)
  if methods then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function cancel(client, id)
  if methods then
    return client:cancel_request(id)
  end
  return client.cancel_request(id)
end

local clients = {} -- project root -> client id
local answers = {} -- workDoneToken of a running ask -> function(cumulative_text)
local next_token = 0

-- The nearest folder from `path` upwards that holds a marker; else the file's folder.
local function find_root(path)
  local folder = vim.fn.fnamemodify(path, ':p:h')
  local dir = folder
  while true do
    for _, marker in ipairs(M.config.root_markers) do
      if uv.fs_stat(dir .. '/' .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      return folder
    end
    dir = parent
  end
end

-- `$/progress` of an ask's token streams its answer (each report carries the whole
-- answer so far); every other token goes to Neovim's own handler.
local function progress(err, result, ctx, config)
  local show = result and answers[result.token]
  if show then
    local value = result.value or {}
    if value.kind ~= 'end' and type(value.message) == 'string' then
      show(value.message)
    end
    return
  end
  return vim.lsp.handlers['$/progress'](err, result, ctx, config)
end

local function client_config(root)
  -- An empty Lua table would be sent as a JSON array; the server expects an object.
  local settings = next(M.config.settings) and M.config.settings or vim.empty_dict()
  return {
    name = 'siyada',
    cmd = M.config.cmd,
    root_dir = root,
    init_options = settings,
    -- Answers workspace/configuration: Neovim looks the section (`siyada`) up here.
    settings = { siyada = settings },
    handlers = { ['$/progress'] = progress },
    on_exit = function()
      clients[root] = nil
    end,
  }
end

local function attach(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or vim.bo[bufnr].buftype ~= '' then
    return
  end
  local root = find_root(name)
  if vim.lsp.start then
    -- 0.8 and later: starts a client, or reuses the one of the same name and root.
    vim.lsp.start(client_config(root), { bufnr = bufnr })
    return
  end
  local id = clients[root]
  if not (id and vim.lsp.get_client_by_id(id)) then
    id = vim.lsp.start_client(client_config(root))
    if not id then
      vim.notify('Siyada: could not start ' .. table.concat(M.config.cmd, ' '), vim.log.levels.ERROR)
      return
    end
    clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
end

-- The Siyada client attached to `bufnr`, or nil.
function M.client(bufnr)
  if vim.lsp.get_clients then -- 0.10 and later
    return vim.lsp.get_clients({ bufnr = bufnr, name = 'siyada' })[1]
  end
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == 'siyada' then
      return client
    end
  end
  return nil
end

local function lines_of(text)
  return vim.split(text, '\n', { plain = true })
end

-- A scratch buffer in a floating window, which takes the cursor; `q` closes it. Once
-- the buffer is gone (`q`, `:close`, ...), `on_close` is called.
local function answer_window(title, on_close)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.bo[buf].filetype = 'markdown'
  vim.bo[buf].bufhidden = 'wipe'
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { title, '', '…' })
  local width = math.max(20, math.min(100, vim.o.columns - 4))
  local height = math.max(5, math.min(30, vim.o.lines - 6))
  local win = vim.api.nvim_open_win(buf, true, {
    relative = 'editor',
    row = 1,
    col = math.floor((vim.o.columns - width) / 2),
    width = width,
    height = height,
    style = 'minimal',
    border = 'single',
  })
  vim.wo[win].wrap = true
  vim.wo[win].linebreak = true
  vim.keymap.set('n', 'q', '<Cmd>close<CR>', { buffer = buf, nowait = true })
  vim.api.nvim_create_autocmd('BufWipeout', { buffer = buf, once = true, callback = on_close })
  return buf
end

local function show(buf, title, text)
  if vim.api.nvim_buf_is_valid(buf) then
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.list_extend({ title, '' }, lines_of(text)))
  end
end

-- Ask `question` about the function at the cursor of the current window, or about
-- `opts.finding` (a Siyada diagnostic's data). The answer streams into a floating
-- window; `opts.on_done(err, result)` gets the `siyada.ask` result. Returns the
-- answer's buffer, or nil when no Siyada client serves this buffer.
function M.ask(question, opts)
  opts = opts or {}
  local bufnr = vim.api.nvim_get_current_buf()
  local client = M.client(bufnr)
  if not client then
    vim.notify('Siyada: no Siyada language server serves this buffer', vim.log.levels.ERROR)
    return nil
  end
  local position = vim.lsp.util.make_position_params(0, client.offset_encoding).position
  local argument = {
    uri = vim.uri_from_bufnr(bufnr),
    question = question,
    finding = opts.finding or vim.NIL,
    position = opts.finding and vim.NIL or position,
    conversationId = vim.NIL,
  }
  next_token = next_token + 1
  local token = 'siyada-ask-' .. next_token
  local title = '# ' .. question
  local request_id
  local buf = answer_window(title, function()
    if answers[token] and request_id then
      cancel(client, request_id) -- the server then stops asking the model
    end
  end)
  answers[token] = function(text)
    show(buf, title, text)
  end
  local params = { command = 'siyada.ask', arguments = { argument }, workDoneToken = token }
  local sent, id = request(client, 'workspace/executeCommand', params, function(err, result)
    answers[token] = nil
    if err then
      show(buf, title, 'Siyada: ' .. (err.message or tostring(err)))
    elseif result then
      local text = result.answer or ''
      if type(result.note) == 'string' then
        text = '> ' .. result.note .. '\n\n' .. text
      end
      show(buf, title, text)
    end
    if opts.on_done then
      opts.on_done(err, result)
    end
  end, bufnr)
  if not sent then
    answers[token] = nil
    show(buf, title, 'Siyada: the language server has stopped')
    return buf
  end
  request_id = id
  return buf
end

-- The code action "Ask about this finding" names this client command, with
-- [uri, diagnosticData]: ask for the question, then ask about the finding.
vim.lsp.commands['siyada.askAboutFinding'] = function(command)
  local finding = command.arguments and command.arguments[2]
  vim.ui.input({ prompt = 'Ask Siyada: ' }, function(question)
    if question and question ~= '' then
      M.ask(question, { finding = finding })
    end
  end)
end

vim.api.nvim_create_user_command('SiyadaAsk', function(command)
  M.ask(command.args)
end, { nargs = '+', desc = 'Ask the local model about the function at the cursor' })

local group = vim.api.nvim_create_augroup('siyada', { clear = true })
vim.api.nvim_create_autocmd('FileType', {
  group = group,
  pattern = M.config.filetypes,
  callback = function(event)
    attach(event.buf)
  end,
})

package.loaded.siyada = M
return M
