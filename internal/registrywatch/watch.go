package registrywatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// ErrTooLarge marks a tag list, manifest or image past its limit.
var ErrTooLarge = errors.New("past the registry watch limit")

// maxDockerConfig bounds the Docker config file.
const maxDockerConfig = 1 << 20

// Options configure a Watcher.
type Options struct {
	// Transport is the HTTP transport under the retries (default
	// remote.DefaultTransport).
	Transport http.RoundTripper
	// Backoff is the first wait after a 5xx answer (default 1 s).
	Backoff time.Duration
	Logger  *slog.Logger
	// Now is the clock of Retry-After dates (time.Now when nil).
	Now func() time.Time
}

// Watcher lists and resolves the tags of watched repositories.
type Watcher struct {
	cfg      *Config
	keychain authn.Keychain
	rt       http.RoundTripper
	log      *slog.Logger
}

// New makes a watcher of cfg's repositories; it reads the Docker config
// file if the configuration names one.
func New(cfg *Config, o Options) (*Watcher, error) {
	w := &Watcher{cfg: cfg, log: o.Logger, keychain: authn.DefaultKeychain}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	if cfg.DockerConfig != "" {
		kc, err := dockerConfigKeychain(cfg.DockerConfig)
		if err != nil {
			return nil, err
		}
		w.keychain = kc
	}
	base := o.Transport
	if base == nil {
		base = remote.DefaultTransport
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	backoff := o.Backoff
	if backoff <= 0 {
		backoff = time.Second
	}
	w.rt = &retryTransport{base: base, retries: cfg.Retries, maxWait: cfg.MaxRetryWait, backoff: backoff, now: now, wait: sleep}
	return w, nil
}

// Config is the watcher's configuration.
func (w *Watcher) Config() *Config { return w.cfg }

// Transport is the HTTP transport of registry requests: the retries over
// the base transport. Scans of watched images use it too.
func (w *Watcher) Transport() http.RoundTripper { return w.rt }

// Keychain is what authenticates to r's registry: r's own credentials when
// it has them, else the Docker config.
func (w *Watcher) Keychain(r *Repository) authn.Keychain {
	if r.Username == "" {
		return w.keychain
	}
	ref, err := r.Ref()
	if err != nil {
		return w.keychain
	}
	return staticKeychain{registry: ref.RegistryStr(), auth: &authn.Basic{Username: r.Username, Password: r.password}}
}

// staticKeychain answers with one credential for one registry.
type staticKeychain struct {
	registry string
	auth     authn.Authenticator
}

func (k staticKeychain) Resolve(res authn.Resource) (authn.Authenticator, error) {
	if res.RegistryStr() == k.registry {
		return k.auth, nil
	}
	return authn.Anonymous, nil
}

// dockerConfigKeychain reads credentials (and credential helpers) from a
// Docker config.json.
func dockerConfigKeychain(file string) (authn.Keychain, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("registries: docker_config: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxDockerConfig+1))
	if err != nil {
		return nil, fmt.Errorf("registries: docker_config %q: %w", file, err)
	}
	if len(b) > maxDockerConfig {
		return nil, fmt.Errorf("registries: docker_config %q: larger than %d bytes", file, maxDockerConfig)
	}
	cf, err := config.LoadFromReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("registries: docker_config %q: %w", file, err)
	}
	return dockerKeychain{cf: cf}, nil
}

// dockerKeychain resolves credentials from one Docker config file, as
// authn.DefaultKeychain does from the default one.
type dockerKeychain struct{ cf *configfile.ConfigFile }

func (k dockerKeychain) Resolve(res authn.Resource) (authn.Authenticator, error) {
	key := res.RegistryStr()
	if key == name.DefaultRegistry {
		key = authn.DefaultAuthKey
	}
	c, err := k.cf.GetAuthConfig(key)
	if err != nil {
		return nil, fmt.Errorf("docker config credentials for %s: %w", res.RegistryStr(), err)
	}
	if c == (types.AuthConfig{}) {
		return authn.Anonymous, nil
	}
	return authn.FromConfig(authn.AuthConfig{Username: c.Username, Password: c.Password, Auth: c.Auth,
		IdentityToken: c.IdentityToken, RegistryToken: c.RegistryToken}), nil
}

// Tagged is a tag with the digest it points at.
type Tagged struct {
	Tag    string `json:"tag"`
	Digest string `json:"digest"`
}

func (w *Watcher) remoteOptions(ctx context.Context, r *Repository) []remote.Option {
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(w.Keychain(r)),
		remote.WithTransport(w.rt),
		remote.WithUserAgent("vigil"),
		// The retries are ours (Retry-After); one try at this layer.
		remote.WithRetryBackoff(remote.Backoff{Duration: time.Millisecond, Factor: 1, Steps: 1}),
		remote.WithRetryStatusCodes(),
		remote.WithPageSize(min(w.cfg.MaxTags+1, 1000)),
	}
}

// Tags lists r's tags that match its glob, each with the digest it points
// at, sorted by tag. A repository with more than max_tags tags is an error
// (a partial list could miss the new ones).
func (w *Watcher) Tags(ctx context.Context, r *Repository) ([]Tagged, error) {
	repo, err := r.Ref()
	if err != nil {
		return nil, err
	}
	opts := w.remoteOptions(ctx, r)
	p, err := remote.NewPuller(opts...)
	if err != nil {
		return nil, err
	}
	l, err := p.Lister(ctx, repo)
	if err != nil {
		return nil, fmt.Errorf("list tags of %s: %w", repo, err)
	}
	var all []string
	for l.HasNext() {
		page, err := l.Next(ctx)
		if err != nil {
			return nil, fmt.Errorf("list tags of %s: %w", repo, err)
		}
		all = append(all, page.Tags...)
		if len(all) > w.cfg.MaxTags {
			return nil, fmt.Errorf("list tags of %s: %w: more than %d tags (max_tags)", repo, ErrTooLarge, w.cfg.MaxTags)
		}
	}
	var out []Tagged
	for _, tag := range all {
		if ok, _ := path.Match(r.Tags, tag); !ok {
			continue
		}
		desc, err := p.Head(ctx, repo.Tag(tag))
		if err != nil {
			return nil, fmt.Errorf("resolve %s:%s: %w", repo, tag, err)
		}
		if desc.Size > w.cfg.MaxManifestBytes {
			return nil, fmt.Errorf("resolve %s:%s: %w: manifest of %d bytes (max_manifest_bytes %d)", repo, tag, ErrTooLarge, desc.Size, w.cfg.MaxManifestBytes)
		}
		out = append(out, Tagged{Tag: tag, Digest: desc.Digest.String()})
	}
	slices.SortFunc(out, func(a, b Tagged) int { return strings.Compare(a.Tag, b.Tag) })
	return out, nil
}

// CheckSize fetches the manifest of r@digest (the platform's, for an
// index) and refuses an image whose compressed layers add up to more than
// max_image_bytes, before any layer is fetched.
func (w *Watcher) CheckSize(ctx context.Context, r *Repository, digest string) error {
	repo, err := r.Ref()
	if err != nil {
		return err
	}
	ref := repo.Digest(digest)
	opts := w.remoteOptions(ctx, r)
	if r.Platform != "" {
		pl, err := v1.ParsePlatform(r.Platform)
		if err != nil {
			return err
		}
		opts = append(opts, remote.WithPlatform(*pl))
	}
	desc, err := remote.Get(ref, opts...)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", ref, err)
	}
	if int64(len(desc.Manifest)) > w.cfg.MaxManifestBytes {
		return fmt.Errorf("fetch %s: %w: manifest of %d bytes", ref, ErrTooLarge, len(desc.Manifest))
	}
	img, err := desc.Image()
	if err != nil {
		return fmt.Errorf("fetch %s: %w", ref, err)
	}
	m, err := img.Manifest()
	if err != nil {
		return fmt.Errorf("fetch %s: %w", ref, err)
	}
	var total int64
	for _, l := range m.Layers {
		if l.Size < 0 {
			return fmt.Errorf("fetch %s: layer %s of negative size", ref, l.Digest)
		}
		total += l.Size
		if total > w.cfg.MaxImageBytes {
			return fmt.Errorf("fetch %s: %w: layers of more than %d bytes (max_image_bytes)", ref, ErrTooLarge, w.cfg.MaxImageBytes)
		}
	}
	return nil
}

// Reference is the image reference of r@digest.
func Reference(r *Repository, digest string) string {
	repo, err := r.Ref()
	if err != nil {
		return r.Repository + "@" + digest
	}
	return repo.Digest(digest).String()
}
