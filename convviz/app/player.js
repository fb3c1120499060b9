/* convviz player: steps through a figure's held states (the frames of its GIF), one key press per step.
   Hand-written, no dependencies, no network: every picture is a data: URI in the page.
   Deck mode fills the window, one slide at a time; widget mode is a box with controls (notebooks, gallery).
   Each container <div class="cvp" data-cvp="deck|widget"> holds its data as <script type="application/json">. */
(function () {
  "use strict";
  if (window.ConvvizPlayer) { window.ConvvizPlayer.mountAll(); return; }

  function el(tag, cls, parent, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  function Player(root, data) {
    this.root = root;
    this.slides = data.slides;
    this.labels = data.labels;
    this.deck = root.getAttribute("data-cvp") === "deck";
    this.s = 0; this.k = 0; this.timer = null;
    if (data.dark) root.classList.add("cvp-dark");
    root.style.setProperty("--bg", data.background);
    root.classList.add(this.deck ? "cvp-deck" : "cvp-widget");
    var head = el("div", "cvp-head", root);
    this.title = el("div", "cvp-title", head);
    this.count = el("div", "cvp-count", head);
    this.stage = el("div", "cvp-stage", root);
    this.img = el("img", "", this.stage);
    this.sum = el("p", "cvp-sum", root);
    if (!this.deck) this.controls();
    this.cap = el("p", "cvp-cap", root);
    if (this.deck) {
      el("div", "cvp-help", root, this.labels.help);
      this.fromHash();
    }
    this.bind();
    this.show();
  }

  Player.prototype.controls = function () {
    var bar = el("div", "cvp-bar", this.root), self = this;
    function button(text, title, fn) {
      var b = el("button", "", bar, text);
      b.type = "button"; b.title = title;
      b.addEventListener("click", function (ev) { ev.stopPropagation(); fn.call(self); });
      return b;
    }
    button("\u2190", this.labels.prev, this.prev);
    this.playButton = button("\u25B6", this.labels.play, this.toggle);
    button("\u2192", this.labels.next, this.next);
    this.slider = el("input", "", bar);
    this.slider.type = "range"; this.slider.min = 1; this.slider.step = 1;
    this.slider.setAttribute("aria-label", this.labels.step);
    this.slider.addEventListener("input", function () { self.pause(); self.go(self.s, self.slider.value - 1); });
  };

  Player.prototype.bind = function () {
    var self = this;
    var target = this.deck ? document : this.root;
    if (!this.deck) this.root.tabIndex = 0;
    target.addEventListener("keydown", function (ev) {
      if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
      var key = ev.key, done = true;
      if (key === "ArrowRight" || key === "PageDown" || (key === " " && self.deck)) self.next();
      else if (key === "ArrowLeft" || key === "PageUp" || key === "Backspace") self.prev();
      else if (key === "Home") self.go(0, 0);
      else if (key === "End") self.go(self.slides.length - 1, Infinity);
      else if (self.deck && key === "ArrowDown") self.go(self.s + 1, 0);
      else if (self.deck && key === "ArrowUp") self.go(self.s - 1, 0);
      else if (key === " " || key === "p" || key === "P") self.toggle();
      else if (self.deck && (key === "f" || key === "F")) self.fullscreen();
      else done = false;
      if (done) ev.preventDefault();
    });
    if (this.deck) {
      this.root.addEventListener("click", function (ev) { if (ev.button === 0) self.next(); });
      window.addEventListener("resize", function () { self.fit(); });
    }
    this.img.addEventListener("load", function () { self.fit(); });
  };

  Player.prototype.go = function (s, k) {
    var n = this.slides.length;
    s = Math.max(0, Math.min(n - 1, s));
    var steps = this.slides[s].frames.length;
    this.s = s;
    this.k = Math.max(0, Math.min(steps - 1, k));
    this.show();
  };
  Player.prototype.next = function () {
    if (this.k < this.slides[this.s].frames.length - 1) this.go(this.s, this.k + 1);
    else if (this.s < this.slides.length - 1) this.go(this.s + 1, 0);
  };
  Player.prototype.prev = function () {
    if (this.k > 0) this.go(this.s, this.k - 1);
    else if (this.s > 0) this.go(this.s - 1, Infinity);
  };

  Player.prototype.show = function () {
    var slide = this.slides[this.s], steps = slide.frames.length, L = this.labels;
    if (this.img.getAttribute("src") !== slide.frames[this.k]) this.img.src = slide.frames[this.k];
    this.img.alt = slide.title;
    this.title.textContent = slide.title;
    var parts = [];
    if (this.deck && this.slides.length > 1) parts.push(L.slide + " " + (this.s + 1) + "/" + this.slides.length);
    if (steps > 1) parts.push(L.step + " " + (this.k + 1) + "/" + steps);
    this.count.textContent = parts.join(" \u00B7 ");
    this.sum.textContent = slide.texts[this.k] || "";
    this.cap.textContent = slide.caption;
    this.root.setAttribute("data-slide", this.s + 1);
    this.root.setAttribute("data-step", this.k + 1);
    if (this.slider) {
      this.slider.max = steps; this.slider.value = this.k + 1;
      this.slider.parentNode.style.display = steps > 1 ? "" : "none";
    }
    if (this.deck && window.history && history.replaceState) {
      history.replaceState(null, "", "#" + (this.s + 1) + "." + (this.k + 1));
    }
    this.preload(slide.frames[this.k + 1]);
    this.fit();
  };

  Player.prototype.preload = function (uri) {
    if (uri) { var im = new Image(); im.src = uri; }
  };

  /* the picture as large as the stage allows, its aspect kept (the deck); at most its own width (widget) */
  Player.prototype.fit = function () {
    var slide = this.slides[this.s], w = slide.w, h = slide.h;
    if (!this.deck) {
      this.img.style.width = "100%"; this.img.style.maxWidth = w + "px"; this.img.style.height = "auto";
      return;
    }
    var box = this.stage.getBoundingClientRect();
    var scale = Math.min(box.width / w, box.height / h);
    if (!(scale > 0)) return;
    this.img.style.width = Math.floor(w * scale) + "px";
    this.img.style.height = Math.floor(h * scale) + "px";
  };

  Player.prototype.toggle = function () { if (this.timer) this.pause(); else this.play(); };
  Player.prototype.play = function () {
    var self = this, slide = this.slides[this.s];
    if (slide.frames.length < 2) return;
    if (this.playButton) { this.playButton.textContent = "\u275A\u275A"; this.playButton.title = this.labels.pause; }
    this.timer = setTimeout(function tick() {
      var steps = self.slides[self.s].frames.length;
      self.go(self.s, (self.k + 1) % steps);
      self.timer = setTimeout(tick, 1000 * self.slides[self.s].seconds[self.k]);
    }, 1000 * slide.seconds[this.k]);
  };
  Player.prototype.pause = function () {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.playButton) { this.playButton.textContent = "\u25B6"; this.playButton.title = this.labels.play; }
  };

  Player.prototype.fullscreen = function () {
    var d = document;
    if (d.fullscreenElement) { if (d.exitFullscreen) d.exitFullscreen(); }
    else if (d.documentElement.requestFullscreen) d.documentElement.requestFullscreen().catch(function () {});
  };

  Player.prototype.fromHash = function () {
    var m = /^#(\d+)\.(\d+)$/.exec(window.location.hash);
    if (m) { this.s = +m[1] - 1; this.k = +m[2] - 1; this.go(this.s, this.k); }
  };

  function mountAll() {
    var roots = document.querySelectorAll(".cvp[data-cvp]");
    for (var i = 0; i < roots.length; i++) {
      var root = roots[i];
      if (root.cvpPlayer) continue;
      var json = root.querySelector("script[type='application/json']");
      if (!json) continue;
      root.cvpPlayer = new Player(root, JSON.parse(json.textContent));
    }
  }

  window.ConvvizPlayer = { mountAll: mountAll, Player: Player };
  mountAll();
})();
