# `make builders`: build/builders/python.tar and build/builders/lektor.tar.
#
# Root file systems come from Debian 12 packages via mmdebstrap, cached as
# tarballs under build/builders/ whose names carry a hash of their inputs
# (suite, package lists, hook, exclusions): a rerun, a fresh clone over an
# old build/ or `make asan` reuses them; a changed input makes a new one.  The C programs and lektor's default .whiskey are small
# layers on top, so editing them rebuilds in seconds.  `s2i mkimage`
# composes the image tarballs (docker-archive + OCI layout in one file).
# The lektor image is python.tar (same layer digests) + a layer with what
# lektor's packages add to the root (--layer-diff) + its .whiskey layer.

# Shared by every build dir (make asan too): the root file systems are slow.
IMG_OUT      := build/builders
IMG_SUITE    ?= bookworm
IMG_MIRROR   ?=
IMG_EPOCH    ?= 1700000000
IMG_PY_PKGS  := builders/python/packages.txt
IMG_LK_PKGS  := builders/lektor/packages.txt
IMG_RT_PKGS  := builders/python-runtime/packages.txt
IMG_HOOK     := builders/python/rootfs-hook.sh
IMG_S2I      ?= $(BIN)/s2i
IMG_EXCLUDES := --dpkgopt=path-exclude=/usr/share/man/* \
  --dpkgopt=path-exclude=/usr/share/doc/* \
  --dpkgopt=path-include=/usr/share/doc/*/copyright \
  --dpkgopt=path-exclude=/usr/share/locale/* \
  --dpkgopt=path-exclude=/usr/share/info/* \
  --dpkgopt=path-exclude=/usr/share/lintian/*

comma := ,
img_pkgs = $(subst $(eval) ,$(comma),$(strip $(shell cat $(1))))
# img_key(package lists): 12 hex digits naming every input of a root.
img_key = $(shell cat $(1) $(IMG_HOOK) | { cat; echo '$(IMG_SUITE) $(IMG_MIRROR) $(IMG_EPOCH) $(IMG_EXCLUDES)'; } | sha256sum | cut -c1-12)
ROOTFS_PY := $(IMG_OUT)/rootfs-python-$(call img_key,$(IMG_PY_PKGS)).tar
ROOTFS_LK := $(IMG_OUT)/rootfs-lektor-$(call img_key,$(IMG_PY_PKGS) $(IMG_LK_PKGS)).tar
ROOTFS_RT := $(IMG_OUT)/rootfs-pyrt-$(call img_key,$(IMG_RT_PKGS)).tar

# ROOTFS(out, package lists): one mmdebstrap run, reproducible timestamps
# (SOURCE_DATE_EPOCH) so unchanged files compare equal in --layer-diff.
define img_rootfs
	@mkdir -p $(@D)
	SOURCE_DATE_EPOCH=$(IMG_EPOCH) mmdebstrap --variant=apt --format=tar --quiet \
	  --include=$(call img_pkgs,$(2)) $(IMG_EXCLUDES) \
	  --customize-hook='$(abspath $(IMG_HOOK)) "$$1"' \
	  $(IMG_SUITE) $(1).tmp $(IMG_MIRROR)
	mv $(1).tmp $(1)
endef

$(ROOTFS_PY): | $(DEPS_OK)
	rm -f $(IMG_OUT)/rootfs-python-*.tar
	$(call img_rootfs,$@,$(IMG_PY_PKGS))

$(ROOTFS_LK): | $(DEPS_OK)
	rm -f $(IMG_OUT)/rootfs-lektor-*.tar
	$(call img_rootfs,$@,$(IMG_PY_PKGS) $(IMG_LK_PKGS))

$(ROOTFS_RT): | $(DEPS_OK)
	rm -f $(IMG_OUT)/rootfs-pyrt-*.tar
	$(call img_rootfs,$@,$(IMG_RT_PKGS))

# The programs layer: /usr/libexec/s2i (the scripts-url label points here).
$(IMG_OUT)/layer-python.stamp: $(BLD_BINS)
	rm -rf $(IMG_OUT)/layer-python && mkdir -p $(IMG_OUT)/layer-python/usr/libexec/s2i
	cp $(BLD_BINS) $(IMG_OUT)/layer-python/usr/libexec/s2i/
	chmod 755 $(IMG_OUT)/layer-python/usr/libexec/s2i/*
	touch $@

# python-runtime: no assemble (it cannot build), assemble-runtime instead.
RT_BINS := $(filter-out %/assemble,$(BLD_BINS))
$(IMG_OUT)/layer-pyrt.stamp: $(RT_BINS)
	rm -rf $(IMG_OUT)/layer-pyrt && mkdir -p $(IMG_OUT)/layer-pyrt/usr/libexec/s2i
	cp $(RT_BINS) $(IMG_OUT)/layer-pyrt/usr/libexec/s2i/
	chmod 755 $(IMG_OUT)/layer-pyrt/usr/libexec/s2i/*
	touch $@

$(IMG_OUT)/layer-lektor.stamp: $(shell find builders/lektor/whiskey -type f 2>/dev/null)
	rm -rf $(IMG_OUT)/layer-lektor && mkdir -p $(IMG_OUT)/layer-lektor/usr/share/s2i
	cp -a builders/lektor/whiskey $(IMG_OUT)/layer-lektor/usr/share/s2i/whiskey
	touch $@

IMG_COMMON := --user 1001 --workdir /opt/app-root/src --expose 8080/tcp \
  --env PATH=/opt/app-root/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env APP_ROOT=/opt/app-root --env HOME=/opt/app-root/src \
  --env VIRTUAL_ENV=/opt/app-root/venv --env WHISKEY_DATADIR=/data \
  --env WHISKEY_DEFAULTS=/usr/share/s2i/whiskey \
  --env PYTHONUNBUFFERED=1 --env PYTHONIOENCODING=UTF-8 \
  --env LANG=en_US.UTF-8 --env LC_ALL=en_US.UTF-8 \
  --label io.openshift.s2i.scripts-url=image:///usr/libexec/s2i \
  --label io.openshift.s2i.destination=/tmp \
  --label io.openshift.s2i.assemble-user=1001 \
  --label io.openshift.expose-services=8080:http \
  --cmd /usr/libexec/s2i/usage

# --runtime: the builders carry s2i's runtime layer (init as ENTRYPOINT,
# identity, temp dir), so images OpenShift builds FROM them with its Source
# strategy get it too; `s2i build` sees it there and adds no second one.
$(IMG_OUT)/python.tar: $(ROOTFS_PY) $(IMG_OUT)/layer-python.stamp builders/images.mk $(RUNTIME_INIT) $(NSS_S2I_SO) | $(IMG_S2I)
	$(IMG_S2I) mkimage --layer-tar $(ROOTFS_PY) \
	  --layer $(IMG_OUT)/layer-python $(IMG_COMMON) --env S2I_BUILDER=python \
	  --runtime \
	  --label 'io.k8s.description=Python 3 (Debian 12): WSGI apps with Apache httpd + mod_wsgi, static sites with nginx' \
	  --label 'io.k8s.display-name=Python 3 s2i builder' \
	  --label io.openshift.tags=builder,python,python3,mod_wsgi,nginx \
	  -o $@.tmp python:latest
	mv $@.tmp $@

$(IMG_OUT)/lektor.tar: $(IMG_OUT)/python.tar $(ROOTFS_PY) $(ROOTFS_LK) $(IMG_OUT)/layer-lektor.stamp builders/images.mk | $(IMG_S2I)
	$(IMG_S2I) mkimage --from $(IMG_OUT)/python.tar \
	  --layer-diff $(ROOTFS_PY) $(ROOTFS_LK) \
	  --layer $(IMG_OUT)/layer-lektor --env S2I_BUILDER=lektor \
	  --label 'io.k8s.description=Lektor static sites (Debian 12), built with lektor and served by nginx' \
	  --label 'io.k8s.display-name=Lektor s2i builder' \
	  --label io.openshift.tags=builder,lektor,static,nginx,python3 \
	  -o $@.tmp lektor:latest
	mv $@.tmp $@

# The runtime image of extended builds (s2i build --runtime-image): the
# python builder's runtime packages without compilers, headers or pip.
# The builder's src and venv are copied into its WORKDIR /opt/app-root
# (io.openshift.s2i.assemble-input-files), then assemble-runtime checks
# that the result has something to run.  Same user, env and entrypoint.
$(IMG_OUT)/python-runtime.tar: $(ROOTFS_RT) $(IMG_OUT)/layer-pyrt.stamp builders/images.mk $(RUNTIME_INIT) $(NSS_S2I_SO) | $(IMG_S2I)
	$(IMG_S2I) mkimage --layer-tar $(ROOTFS_RT) \
	  --layer $(IMG_OUT)/layer-pyrt $(IMG_COMMON) --workdir /opt/app-root \
	  --env S2I_BUILDER=python-runtime --runtime \
	  --label 'io.openshift.s2i.assemble-input-files=/opt/app-root/src:.;/opt/app-root/venv:.' \
	  --label 'io.k8s.description=Python 3 (Debian 12) runtime for extended builds from the python builder: Apache httpd + mod_wsgi, nginx; no compilers' \
	  --label 'io.k8s.display-name=Python 3 s2i runtime image' \
	  --label io.openshift.tags=runtime,python,python3,mod_wsgi,nginx \
	  -o $@.tmp python-runtime:latest
	mv $@.tmp $@

builders: $(IMG_OUT)/python.tar $(IMG_OUT)/lektor.tar $(IMG_OUT)/python-runtime.tar
