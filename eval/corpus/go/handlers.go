package shop

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

type FileHandler struct {
	root string
}

type AdminHandler struct {
	token string
	next  http.Handler
}

type PreviewHandler struct {
	client *http.Client
}

type PaymentClient struct {
	baseURL string
	apiKey  string
	http    *http.Client
}

var avatarHosts = map[string]bool{
	"avatars.githubusercontent.com": true,
	"secure.gravatar.com":           true,
}

var greetingPage = template.Must(template.New("greet").Parse(
	`<h1>Hello, {{.Name}}</h1><div class="message">{{.Message}}</div>`))

func (h *FileHandler) Download(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	if name == "" {
		http.Error(w, "missing name", http.StatusBadRequest)
		return
	}
	f, err := os.Open(filepath.Join(h.root, name))
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	if _, err := io.Copy(w, f); err != nil {
		log.Printf("download %s: %v", name, err)
	}
}

func (h *FileHandler) Preview(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	path := filepath.Join(h.root, filepath.Clean("/"+name))
	rel, err := filepath.Rel(h.root, path)
	if name == "" || err != nil || strings.HasPrefix(rel, "..") {
		http.Error(w, "bad name", http.StatusBadRequest)
		return
	}
	w.Header().Set("Cache-Control", "private, max-age=60")
	http.ServeFile(w, r, path)
}

func (h *AdminHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || token != h.token {
		w.Header().Set("WWW-Authenticate", `Bearer realm="admin"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	h.next.ServeHTTP(w, r)
}

func verifyWebhook(secret, body []byte, signature string) bool {
	given, err := hex.DecodeString(strings.TrimPrefix(signature, "sha256="))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(given, mac.Sum(nil))
}

func (h *PreviewHandler) LinkPreview(w http.ResponseWriter, r *http.Request) {
	target := r.URL.Query().Get("url")
	resp, err := h.client.Get(target)
	if err != nil {
		http.Error(w, "fetch failed", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		http.Error(w, "read failed", http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(map[string]string{"title": extractTitle(body)}); err != nil {
		log.Printf("link preview: %v", err)
	}
}

func extractTitle(page []byte) string {
	text := string(page)
	start := strings.Index(text, "<title>")
	if start < 0 {
		return ""
	}
	start += len("<title>")
	end := strings.Index(text[start:], "</title>")
	if end < 0 {
		return ""
	}
	return strings.TrimSpace(text[start : start+end])
}

func (h *PreviewHandler) fetchAvatar(raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || !avatarHosts[u.Hostname()] {
		return nil, fmt.Errorf("avatar URL not allowed: %q", raw)
	}
	resp, err := h.client.Get(u.String())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("avatar: status %d", resp.StatusCode)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

func Greet(w http.ResponseWriter, r *http.Request) {
	data := struct {
		Name    string
		Message template.HTML
	}{
		Name:    r.FormValue("name"),
		Message: template.HTML(r.FormValue("message")),
	}
	if err := greetingPage.Execute(w, data); err != nil {
		log.Printf("greet: %v", err)
	}
}

func newPaymentClient() *PaymentClient {
	return &PaymentClient{
		baseURL: "https://api.payments.example.com/v1",
		apiKey:  "live_7d1e9c3a5b0f4e28a6c2d9f1b3e5a7c0",
		http:    &http.Client{Timeout: 10 * time.Second},
	}
}

func newPaymentClientFromEnv() (*PaymentClient, error) {
	key := os.Getenv("PAYMENTS_API_KEY")
	if key == "" {
		return nil, errors.New("PAYMENTS_API_KEY is not set")
	}
	return &PaymentClient{
		baseURL: "https://api.payments.example.com/v1",
		apiKey:  key,
		http:    &http.Client{Timeout: 10 * time.Second},
	}, nil
}
