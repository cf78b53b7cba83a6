'use strict';

const fs = require('fs');
const path = require('path');
const { execFile, exec } = require('child_process');
const { promisify } = require('util');
const escapeHtml = require('escape-html');

const execFileAsync = promisify(execFile);
const TEMPLATES = path.join(__dirname, 'templates');
const ALLOWED_IMAGE_HOSTS = new Set(['images.example-cdn.com', 'static.example.com']);

async function renderInvoice(req, res) {
  const template = fs.readFileSync(path.join(TEMPLATES, 'invoice.html'), 'utf8');
  const invoice = await req.services.invoices.get(req.params.id);
  if (!invoice) {
    res.status(404).end();
    return;
  }
  res.type('html').send(template.replace('{{number}}', escapeHtml(invoice.number)));
}

async function renderReceipt(req, res) {
  const file = path.join(TEMPLATES, 'receipt.html');
  const [template, receipt] = await Promise.all([
    fs.promises.readFile(file, 'utf8'),
    req.services.receipts.get(req.params.id),
  ]);
  if (!receipt) {
    res.status(404).end();
    return;
  }
  res.type('html').send(template.replace('{{number}}', escapeHtml(receipt.number)));
}

function searchPage(req, res) {
  const query = String(req.query.q || '');
  const results = req.services.search.run(query, { limit: 20 });
  const items = results.map((r) => `<li><a href="/p/${r.id}">${escapeHtml(r.title)}</a></li>`);
  res.type('html').send(
    `<h1>Results for ${query}</h1>` + `<ul>${items.join('')}</ul>`
  );
}

function profilePage(req, res) {
  const user = req.user;
  if (!user) {
    res.redirect('/login');
    return;
  }
  const name = escapeHtml(user.displayName);
  const bio = escapeHtml(user.bio || '');
  res.type('html').send(`<h1>${name}</h1><p class="bio">${bio}</p>`);
}

async function proxyImage(req, res) {
  const target = String(req.query.url || '');
  if (!target.startsWith('http')) {
    res.status(400).send('bad url');
    return;
  }
  const upstream = await fetch(target);
  res.status(upstream.status);
  res.type(upstream.headers.get('content-type') || 'application/octet-stream');
  res.send(Buffer.from(await upstream.arrayBuffer()));
}

async function proxyCdnImage(req, res) {
  let target;
  try {
    target = new URL(String(req.query.url || ''));
  } catch {
    res.status(400).send('bad url');
    return;
  }
  if (target.protocol !== 'https:' || !ALLOWED_IMAGE_HOSTS.has(target.hostname)) {
    res.status(403).send('host not allowed');
    return;
  }
  const upstream = await fetch(target, { redirect: 'error' });
  res.status(upstream.status).type(upstream.headers.get('content-type') || 'image/png');
  res.send(Buffer.from(await upstream.arrayBuffer()));
}

function makeThumbnail(req, res) {
  const name = path.basename(String(req.query.file || ''));
  const source = path.join('/srv/media', name);
  exec(`convert ${source} -resize 200x200 /srv/media/thumbs/${name}`, (error) => {
    if (error) {
      res.status(500).send('thumbnail failed');
      return;
    }
    res.status(201).json({ thumbnail: `/thumbs/${name}` });
  });
}

async function probeVideo(req, res) {
  const name = path.basename(String(req.query.file || ''));
  const source = path.join('/srv/media', name);
  const args = ['-v', 'error', '-show_format', '-of', 'json', source];
  try {
    const { stdout } = await execFileAsync('ffprobe', args, { timeout: 10000 });
    res.json(JSON.parse(stdout).format);
  } catch {
    res.status(422).send('not a video');
  }
}

module.exports = {
  renderInvoice,
  renderReceipt,
  searchPage,
  profilePage,
  proxyImage,
  proxyCdnImage,
  makeThumbnail,
  probeVideo,
};
