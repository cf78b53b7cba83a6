package shop

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

type Job struct {
	ID   string
	Path string
}

type Settings struct {
	Workers   int           `json:"workers"`
	Timeout   time.Duration `json:"timeout"`
	OutputDir string        `json:"output_dir"`
}

type Sale struct {
	Day        time.Weekday
	Region     string
	TotalCents int64
}

// Tiers from the largest threshold down; a sale gets the first tier it reaches.
var discountTiers = [...]struct {
	minCents int64
	percent  int64
}{{100000, 15}, {50000, 10}, {20000, 5}}

func processAll(ctx context.Context, jobs []Job) []string {
	var failed []string
	var wg sync.WaitGroup
	for _, job := range jobs {
		wg.Add(1)
		go func(j Job) {
			defer wg.Done()
			if err := compress(ctx, j.Path); err != nil {
				failed = append(failed, j.ID)
			}
		}(job)
	}
	wg.Wait()
	return failed
}

func compress(ctx context.Context, path string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "gzip", "--keep", "--force", "--", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("gzip %s: %v: %s", path, err, out)
	}
	return nil
}

func archiveLogs(ctx context.Context, dir, name string) error {
	script := fmt.Sprintf("tar -czf /var/backups/%s.tar.gz %s/*.log", name, dir)
	cmd := exec.CommandContext(ctx, "sh", "-c", script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("archive %s: %v: %s", dir, err, out)
	}
	return nil
}

func dedupeRecipients(emails []string) []string {
	var unique []string
	for _, e := range emails {
		e = strings.ToLower(strings.TrimSpace(e))
		seen := false
		for _, u := range unique {
			if u == e {
				seen = true
				break
			}
		}
		if !seen {
			unique = append(unique, e)
		}
	}
	return unique
}

func applyDiscounts(sales []Sale) []Sale {
	out := make([]Sale, 0, len(sales))
	for _, s := range sales {
		for _, tier := range discountTiers {
			if s.TotalCents >= tier.minCents {
				s.TotalCents -= s.TotalCents * tier.percent / 100
				break
			}
		}
		out = append(out, s)
	}
	return out
}

func renderReport(sales []Sale) string {
	report := "region,day,total\n"
	for _, s := range sales {
		report += fmt.Sprintf("%s,%s,%d.%02d\n",
			s.Region, s.Day, s.TotalCents/100, s.TotalCents%100)
	}
	return report
}

func joinFields(fields []string) string {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		if strings.ContainsAny(f, ",\"\n") {
			f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
		}
		b.WriteString(f)
	}
	return b.String()
}

func lastN(lines []string, n int) []string {
	if n <= 0 {
		return nil
	}
	if n >= len(lines) {
		return lines
	}
	return lines[len(lines)-n-1:]
}

func pageBounds(total, page, size int) (start, end int) {
	if page < 1 || size < 1 {
		return 0, 0
	}
	start = (page - 1) * size
	if start >= total {
		return total, total
	}
	end = start + size
	if end > total {
		end = total
	}
	return start, end
}

func hasCSVHeader(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	scanner := bufio.NewScanner(f)
	if !scanner.Scan() {
		return false, scanner.Err()
	}
	header := strings.ToLower(scanner.Text())
	return strings.HasPrefix(header, "region,"), nil
}

func loadSettings(path string) (*Settings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	s := &Settings{Workers: 4, Timeout: 30 * time.Second}
	json.Unmarshal(data, s)
	if s.OutputDir == "" {
		s.OutputDir = os.TempDir()
	}
	return s, nil
}

func countRows(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	rows := 0
	for scanner.Scan() {
		if strings.TrimSpace(scanner.Text()) != "" {
			rows++
		}
	}
	return rows, scanner.Err()
}
