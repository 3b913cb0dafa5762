// Officina's browser phone: JsSIP over the PBX's WebSocket transport (/sip/ws).
//
// It runs in a window of its own (/phone/browser/), so a call lasts while the member
// moves between Officina's pages elsewhere; the other pages talk to it over the
// BroadcastChannel "officina-phone" (static/pbx/phone-link.js):
//   pages -> phone: {type: "dial", number}, {type: "answer", phone}, {type: "decline", phone}
//   phone -> pages: {type: "incoming", phone, number, name}, {type: "incoming-over", phone}
// ("phone" names the window that rang, should the member have opened two.)
// It signs in with a short-lived credential the web server issues to the signed-in
// member (POST /phone/browser/credential/), fetched again before it expires.
// Transfers (REFER, RFC 3515): blind, or attended after a consultation call whose
// dialog the REFER's Replaces names (RFC 3891); the phone also follows a REFER it is
// sent, and takes an INVITE that replaces its call (the other end of an attended one).
// Bundled with JsSIP by esbuild at setup (scripts/setup-env.sh); never committed.
import DialogRequestSender from "jssip/lib/Dialog/RequestSender";
import JsSIP from "jssip/lib/JsSIP";
import RTCSession from "jssip/lib/RTCSession";

import { shownMoment } from "../../web/static/web/moments.js";
import { dialable } from "./dialling.js";

const CHANNEL = "officina-phone";
const MICROPHONE_KEY = "officina-phone-microphone";
const RECENT_LIMIT = 20;
const TONES = /^[0-9*#]$/;

// Call pickup (*8, or **202 for the call ringing on 202): the PBX answers our own call
// "480 Call Picked Up" and rings this phone with the picked call, asking it to answer at
// once (Answer-Mode: Auto, RFC 5373).
// Only a call asking so within this long of that 480 is answered unasked: no caller can
// make the phone answer by itself.
const PICKUP_REASON = "Call Picked Up";
const PICKUP_ANSWER_MS = 10000;

// Is ``event`` (our call failed) the PBX's answer to our pickup?
function isPickedUp(event) {
  const response = event && event.message;
  return Boolean(response) && response.status_code === 480 && response.reason_phrase === PICKUP_REASON;
}

// The reasons the company's guard on calls out gives in its Warning (the texts of
// _REFUSAL_TEXT and _DAILY_MINUTES_TEXT in officina/pbx/trunk_calls.py), each with the
// page's text for it; matched after the Warning's opening quote, so that "national"
// is not found inside "international".
const REFUSALS = [
  ["national calls are not allowed", "forbiddenNational"],
  ["calls to mobiles are not allowed", "forbiddenMobile"],
  ["international calls are not allowed", "forbiddenInternational"],
  ["premium-rate numbers are not allowed", "forbiddenPremium"],
  ["satellite numbers are not allowed", "forbiddenSatellite"],
  ["the minutes allowed today for calls out are used up", "forbiddenMinutes"],
];

// The text key for a 403 with ``warning`` (its Warning header, or ""): the guard's own
// reason when it gave one, else the plain "not allowed".
function refusalOf(warning) {
  const found = REFUSALS.find(([reason]) => warning.includes(`"${reason}`));
  return found ? found[1] : "forbidden";
}

// A hold or resume answered 491 (the other end offered at the same moment) is sent
// again at most this many times before the call is given up, as JsSIP gives it up at once.
const CROSSED_OFFER_TRIES = 5;

// RFC 3261 §14.1: a re-INVITE answered 491 is sent again after a random while, 2.1 to
// 4 s by the end that chose the Call-ID (our own calls), 0 to 2 s by the other, so that
// the two offers do not cross again.
function crossedOfferDelay(session) {
  return session.direction === "outgoing" ? 2100 + Math.random() * 1900 : Math.random() * 2000;
}

// JsSIP meets a re-INVITE's first 491 on its own: the same request again after a fixed
// second, with its old CSeq on a new transaction (the header is not rewritten), and the
// call ended on a second 491. The phone retries itself (retryingCrossedOffers), with a
// new request and the random wait of §14.1: the 491 goes straight to the request's owner.
const receiveInDialog = DialogRequestSender.prototype._receiveResponse;
DialogRequestSender.prototype._receiveResponse = function receiveCrossedOffer(response) {
  if (response.method === JsSIP.C.INVITE && response.status_code === 491) {
    this._eventHandlers.onErrorResponse(response);
    return;
  }
  receiveInDialog.call(this, response);
};

// Runs ``ask`` (a JsSIP hold() or unhold()) so that its re-INVITE, answered 491, is sent
// again after crossedOfferDelay instead of ending the call. JsSIP ends the call on any
// failed hold or resume and has no hook for the answer: the re-INVITE hold() sends
// (synchronously, through the session's _sendReinvite) gets a failure handler of ours,
// and the same re-INVITE goes out again through that same method; other failures end
// the call as before.
function retryingCrossedOffers(session, ask) {
  const send = session._sendReinvite;
  session._sendReinvite = function sendRetrying(options) {
    session._sendReinvite = send;
    const handlers = options.eventHandlers || {};
    let tries = 0;
    const failed = (response) => {
      if (response && response.status_code === 491 && tries < CROSSED_OFFER_TRIES && !session.isEnded()) {
        tries += 1;
        setTimeout(() => {
          if (!session.isEnded()) send.call(session, { ...options, eventHandlers: { ...handlers, failed } });
        }, crossedOfferDelay(session));
        return;
      }
      if (handlers.failed) handlers.failed(response);
    };
    return send.call(session, { ...options, eventHandlers: { ...handlers, failed } });
  };
  try {
    return ask();
  } finally {
    session._sendReinvite = send;
  }
}

// Runs ``act`` (which sends a new offer: hold, resume) once ``session`` is confirmed.
// The page says Connected as soon as Answer is pressed, while JsSIP is still sending its
// 200 (a hold then is refused and the press lost), and until the ACK comes: a call the
// PBX placed without an offer was answered with ours in the 200 and the PBX's answer
// comes in that ACK; JsSIP lets a re-INVITE go out before it, the ACK's answer then
// lands on the re-INVITE's offer, the re-INVITE's own answer fails ("Hold Failed") and
// the call ends. RFC 3261 §14.1: no new offer while one is outstanding.
function onceConfirmed(session, act) {
  const { STATUS_ANSWERED, STATUS_WAITING_FOR_ACK } = RTCSession.C;
  if (session.status === STATUS_ANSWERED || session.status === STATUS_WAITING_FOR_ACK) {
    session.once("confirmed", () => act());
    return;
  }
  act();
}

function byId(id) {
  return document.getElementById(id);
}

function readTexts() {
  const texts = {};
  const list = byId("softphone-texts");
  for (const term of list.querySelectorAll("dt")) {
    texts[term.textContent.trim()] = term.nextElementSibling.textContent.trim();
  }
  return texts;
}

class BrowserPhone {
  constructor() {
    this.settings = JSON.parse(byId("softphone-settings").textContent);
    this.texts = readTexts();
    this.credentialForm = byId("softphone-credential-form");
    this.channel = "BroadcastChannel" in window ? new BroadcastChannel(CHANNEL) : null;
    this.ua = null;
    this.session = null;
    this.sessionInfo = null;
    // The consultation call of an attended transfer, while the first call is held.
    this.consultation = null;
    this.consultationInfo = null;
    // Set for the moment a call is placed or taken that is not the member's own new
    // call (a consultation, the call a REFER asks for, an INVITE with Replaces), so
    // that onNewSession knows it from a second call, which it turns away.
    this.placing = null;
    this.timer = null;
    this.statsTimer = null;
    this.pendingDial = this.settings.dial || "";
    this.windowId = Math.random().toString(36).slice(2);
  }

  // ------------------------------------------------------------------ start-up
  async start() {
    this.bindControls();
    this.listMicrophones();
    if (this.channel) this.channel.onmessage = (event) => this.onPageMessage(event.data);
    let credential;
    try {
      credential = await this.fetchCredential();
    } catch (error) {
      this.showError(error.message);
      this.setState("failed", this.texts.failed);
      return;
    }
    this.useIceServers(credential);
    const socket = new JsSIP.WebSocketInterface(this.settings.websocketUrl);
    this.ua = new JsSIP.UA({
      sockets: [socket],
      uri: `sip:${this.settings.number}@${this.settings.domain}`,
      authorization_user: credential.username,
      password: credential.password,
      display_name: this.settings.displayName,
      // Below the credential's lifetime: each REGISTER refresh uses a valid one.
      register_expires: 300,
      session_timers: false,
      user_agent: "Officina browser phone (JsSIP)",
    });
    this.ua.on("connecting", () => this.setState("connecting", this.texts.connecting));
    this.ua.on("registered", () => this.onRegistered());
    this.ua.on("unregistered", () => this.setState("unregistered", this.texts.unregistered));
    this.ua.on("registrationFailed", () => this.setState("failed", this.texts.failed));
    this.ua.on("disconnected", () => this.setState("connecting", this.texts.connecting));
    this.ua.on("newRTCSession", (data) => this.onNewSession(data));
    this.ua.start();
    setInterval(() => this.refreshCredential(), this.settings.refreshAfterSeconds * 1000);
    window.addEventListener("beforeunload", () => {
      if (this.session) this.session.terminate();
      this.ua.stop();
    });
  }

  async fetchCredential() {
    const body = new FormData(this.credentialForm);
    const response = await fetch(this.credentialForm.action, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok || !type.startsWith("application/json")) {
      throw new Error(this.texts.signedOut);
    }
    return response.json();
  }

  useIceServers(credential) {
    this.iceServers = Array.isArray(credential.ice_servers) ? credential.ice_servers : [];
    this.icePolicy = credential.ice_transport_policy === "relay" ? "relay" : "all";
  }

  async refreshCredential() {
    try {
      const credential = await this.fetchCredential();
      this.ua.set("authorization_user", credential.username);
      this.ua.set("password", credential.password);
      this.useIceServers(credential);
    } catch (error) {
      this.showError(error.message);
    }
  }

  onRegistered() {
    this.setState("registered", this.texts.registered);
    byId("call").disabled = false;
    if (this.pendingDial) {
      const number = this.pendingDial;
      this.pendingDial = "";
      this.dial(number);
    }
  }

  // ------------------------------------------------------------------ controls
  bindControls() {
    byId("dialer").addEventListener("submit", (event) => {
      event.preventDefault();
      this.dial(byId("dial-number").value.trim());
    });
    for (const key of document.querySelectorAll(".dialpad [data-key]")) {
      key.addEventListener("click", () => this.pressKey(key.dataset.key));
    }
    byId("recent-calls").addEventListener("click", (event) => {
      const target = event.target.closest("[data-key-dial]");
      if (!target) return;
      // While the transfer panel is open, a recent call names whom to transfer to.
      if (!byId("transfer").hidden) {
        byId("transfer-number").value = target.dataset.keyDial;
        byId("transfer-number").focus();
      } else this.dial(target.dataset.keyDial);
    });
    byId("answer").addEventListener("click", () => this.answer());
    byId("decline").addEventListener("click", () => this.decline());
    byId("hangup").addEventListener("click", () => this.session && this.session.terminate());
    byId("hold").addEventListener("click", () => this.toggleHold());
    byId("mute").addEventListener("click", () => this.toggleMute());
    byId("microphone").addEventListener("change", (event) => this.chooseMicrophone(event.target.value));
    byId("transfer-open").addEventListener("click", () => this.openTransfer());
    byId("transfer").addEventListener("submit", (event) => {
      event.preventDefault();
      this.blindTransfer(byId("transfer-number").value.trim());
    });
    byId("transfer-consult").addEventListener("click", () =>
      this.consult(byId("transfer-number").value.trim()),
    );
    byId("transfer-complete").addEventListener("click", () => this.completeTransfer());
    byId("transfer-cancel").addEventListener("click", () => this.cancelTransfer());
  }

  pressKey(key) {
    if (this.session && this.session.isEstablished()) {
      if (TONES.test(key)) this.session.sendDTMF(key, { transportType: this.keysTransport() });
      return;
    }
    const field = byId("dial-number");
    field.value = (field.value + key).slice(0, field.maxLength);
  }

  // Keys go as RTP events (RFC 4733) when the other side agreed telephone-event; the
  // PBX's own desk (voicemail, menus, conference rooms) answers with aiortc, which has
  // none, and reads keys sent as SIP INFO (application/dtmf-relay) instead.
  keysTransport() {
    const remote = this.session.connection && this.session.connection.remoteDescription;
    return remote && /telephone-event\//i.test(remote.sdp) ? "RFC2833" : "INFO";
  }

  onPageMessage(message) {
    if (!message || typeof message !== "object") return;
    if (message.type === "dial" && typeof message.number === "string") {
      if (this.ua && this.ua.isRegistered()) this.dial(message.number);
      else this.pendingDial = message.number;
    } else if (message.phone !== this.windowId) {
      return; // answering or declining is for the window that rang
    } else if (message.type === "answer") this.answer();
    else if (message.type === "decline") this.decline();
  }

  post(message) {
    if (this.channel) this.channel.postMessage({ ...message, phone: this.windowId });
  }

  // ------------------------------------------------------------------ media
  audioConstraints() {
    const chosen = localStorage.getItem(MICROPHONE_KEY);
    return { audio: chosen ? { deviceId: { exact: chosen } } : true, video: false };
  }

  callOptions() {
    return {
      mediaConstraints: this.audioConstraints(),
      // The STUN/TURN servers the site names (none by default: media goes straight
      // between two browsers, or to the media bridge the PBX names in its SDP), with a
      // TURN credential as fresh as the last SIP one; "relay" hides the member's address.
      pcConfig: { iceServers: this.iceServers, iceTransportPolicy: this.icePolicy },
      rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
    };
  }

  async listMicrophones() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return;
    if (!this.watchingDevices) {
      this.watchingDevices = true;
      navigator.mediaDevices.addEventListener("devicechange", () => this.listMicrophones());
    }
    const select = byId("microphone");
    const chosen = localStorage.getItem(MICROPHONE_KEY) || "";
    const devices = await navigator.mediaDevices.enumerateDevices();
    for (const device of devices) {
      if (device.kind !== "audioinput" || !device.deviceId || device.deviceId === "default") continue;
      if (select.querySelector(`option[value="${CSS.escape(device.deviceId)}"]`)) continue;
      const option = document.createElement("option");
      option.value = device.deviceId;
      option.textContent = device.label || device.deviceId.slice(0, 8);
      option.selected = device.deviceId === chosen;
      select.append(option);
    }
  }

  async chooseMicrophone(deviceId) {
    if (deviceId) localStorage.setItem(MICROPHONE_KEY, deviceId);
    else localStorage.removeItem(MICROPHONE_KEY);
    const connection = this.session && this.session.connection;
    if (!connection) return;
    // Mid-call: the new microphone replaces the old one's track, without renegotiation.
    try {
      const stream = await navigator.mediaDevices.getUserMedia(this.audioConstraints());
      const [track] = stream.getAudioTracks();
      for (const sender of connection.getSenders()) {
        if (sender.track && sender.track.kind === "audio") {
          const previous = sender.track;
          await sender.replaceTrack(track);
          previous.stop();
        }
      }
    } catch (_error) {
      this.showError(this.texts.noMicrophone);
    }
  }

  // ------------------------------------------------------------------ calls
  dial(typed) {
    this.hideError();
    const number = dialable(typed);
    if (!number) {
      this.showError(this.texts.badNumber);
      return;
    }
    if (this.session) return; // one call at a time
    if (!this.ua || !this.ua.isRegistered()) {
      this.pendingDial = number;
      return;
    }
    byId("dial-number").value = "";
    this.ua.call(this.sipUri(number), this.callOptions());
  }

  onNewSession(data) {
    const session = data.session;
    const placing = this.placing;
    this.placing = null;
    if (placing === "consultation") {
      this.adoptConsultation(session);
      return;
    }
    if (this.session && !placing) {
      // Busy here: the other devices of the member may still take it.
      if (data.originator === "remote") session.terminate({ status_code: 486 });
      return;
    }
    // The call being transferred away, kept should the new one fail.
    const previous = this.session && { session: this.session, info: this.sessionInfo };
    this.session = session;
    const number = session.remote_identity.uri.user || "";
    const info = {
      number,
      name: session.remote_identity.display_name || "",
      direction: data.originator === "remote" ? "incoming" : "outgoing",
      answered: false,
      referred: placing === "referred", // the call a REFER asked us to place
    };
    this.sessionInfo = info;
    session.on("peerconnection", (event) => this.attachAudio(event.peerconnection));
    if (session.connection) this.attachAudio(session.connection);
    session.on("progress", () => this.isCurrent(session) && this.setCallState(this.texts.ringing));
    session.on("accepted", () => this.isCurrent(session) && this.onAccepted());
    session.on("confirmed", () => this.isCurrent(session) && this.onAccepted());
    session.on("hold", () => this.isCurrent(session) && this.onHoldChanged());
    session.on("unhold", () => this.isCurrent(session) && this.onHoldChanged());
    session.on("muted", () => this.isCurrent(session) && this.onMuteChanged());
    session.on("unmuted", () => this.isCurrent(session) && this.onMuteChanged());
    session.on("refer", (request) => this.onReferred(session, request));
    session.on("replaces", (request) => this.onReplaced(session, request));
    session.on("ended", () => this.onSessionEnded(session, info, this.texts.ended, null));
    session.on("failed", (event) => {
      if (isPickedUp(event)) this.pickupAskedAt = Date.now(); // the picked call rings here next
      this.onSessionEnded(session, info, this.failureText(event, info.number), previous);
    });
    // A transfer's new call starts neither held nor muted, whatever the old one was.
    if (placing) this.resetCallButtons();
    if (placing === "replacing") {
      // The other end of an attended transfer: the caller who replaces our call comes
      // in answered, as the call it replaces was.
      this.showCall(this.texts.connected);
      session.answer(this.callOptions());
    } else if (data.originator === "remote" && this.pickedUp(data.request)) {
      this.answer();
    } else if (data.originator === "remote") {
      this.showIncoming();
    } else {
      this.showCall(placing === "referred" ? this.texts.transferredCalling : this.texts.calling);
    }
  }

  isCurrent(session) {
    return session === this.session;
  }

  // Is ``request`` (an incoming INVITE) the call this phone just picked up?
  pickedUp(request) {
    const asked = this.pickupAskedAt && Date.now() - this.pickupAskedAt < PICKUP_ANSWER_MS;
    const mode = (request.getHeader("Answer-Mode") || "").split(";")[0].trim().toLowerCase();
    if (!asked || mode !== "auto") return false;
    this.pickupAskedAt = 0;
    return true;
  }

  // ------------------------------------------------------------------ transfers
  // The other side transfers us (a REFER in our call): we call whom it names, and our
  // new call takes the place of the old one, which the transferor then ends.
  onReferred(session, request) {
    if (!this.isCurrent(session)) {
      request.reject();
      return;
    }
    const target = request.request.refer_to.uri.user || "";
    this.setTransferStatus(this.texts.transferredTo.replace("%s", target));
    // RFC 3892: the new call tells the party called who sent us there.
    const referredBy = request.request.getHeader("Referred-By");
    const options = this.callOptions();
    if (referredBy) options.extraHeaders = [...(options.extraHeaders || []), `Referred-By: ${referredBy}`];
    this.placing = "referred";
    request.accept(null, options);
    this.placing = null;
  }

  // An INVITE with Replaces naming our call: the party we talk to has been transferred
  // to us by an attended transfer; the newcomer takes over, and JsSIP ends the old call
  // once the new one is confirmed.
  onReplaced(session, request) {
    if (!this.isCurrent(session)) {
      request.reject();
      return;
    }
    this.placing = "replacing";
    request.accept();
    this.placing = null;
  }

  openTransfer() {
    if (!this.session || !this.session.isEstablished()) return;
    const panel = byId("transfer");
    panel.hidden = !panel.hidden;
    byId("transfer-open").setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) byId("transfer-number").focus();
  }

  // The number the transfer field holds, as dial() would call it; null (and the panel
  // says what is accepted) when it is none.
  transferNumber(typed) {
    const number = dialable(typed);
    if (!number) this.setTransferStatus(this.texts.badNumber);
    return number;
  }

  sipUri(number) {
    return `sip:${number}@${this.settings.domain}`;
  }

  blindTransfer(typed) {
    if (!this.session || !this.session.isEstablished() || this.consultation) return;
    const number = this.transferNumber(typed);
    if (!number) return;
    this.referFor(this.session, this.sipUri(number), number, null);
  }

  // The REFER and what its NOTIFYs say of the transferee's new call (sipfrag): trying,
  // ringing, connected (we hang up), failed (the call stays, and says why).
  referFor(session, target, number, replaces) {
    this.setTransferBusy(true);
    this.setTransferStatus(this.texts.transferring.replace("%s", number));
    const failed = (status, cause) => {
      if (!this.isCurrent(session)) return;
      this.setTransferBusy(false);
      // An attended one may be tried again, or cancelled: the consultation is still up.
      byId("transfer-complete").hidden = !(this.consultation && this.consultation.isEstablished());
      this.setTransferStatus(
        this.texts.transferFailed.replace("%s", this.failureText({ message: { status_code: status, getHeader: () => "" }, cause }, number)),
      );
    };
    session.refer(target, {
      replaces,
      eventHandlers: {
        requestFailed: (event) => {
          const status = event.response && event.response.status_code;
          // Refused outright, not tried: a call the phone system bridges itself (a
          // click-to-call answered here, the voicemail) has no phone to hand over.
          if ([403, 405, 501, 603].includes(status) && this.isCurrent(session)) {
            this.setTransferBusy(false);
            this.setTransferStatus(this.texts.transferRefused);
          } else failed(status, event.cause);
        },
        trying: () => this.setTransferStatus(this.texts.transferTrying.replace("%s", number)),
        progress: () => this.setTransferStatus(this.texts.transferRinging.replace("%s", number)),
        accepted: () => {
          this.transferredTo = number;
          if (this.consultation) this.consultation.terminate();
          if (!session.isEnded()) session.terminate();
        },
        failed: (event) => failed(Number(event.status_line.status_code), null),
      },
    });
  }

  consult(typed) {
    if (!this.session || !this.session.isEstablished() || this.consultation) return;
    const number = this.transferNumber(typed);
    if (!number) return;
    const target = this.sipUri(number);
    this.setTransferBusy(true);
    const call = () => {
      this.placing = "consultation";
      this.ua.call(target, this.callOptions());
      this.placing = null;
    };
    const session = this.session;
    onceConfirmed(session, () => {
      if (session.isOnHold().local) call();
      else if (!retryingCrossedOffers(session, () => session.hold({}, call))) call();
    });
  }

  adoptConsultation(session) {
    this.consultation = session;
    this.consultationInfo = { number: session.remote_identity.uri.user || "" };
    session.on("peerconnection", (event) => this.attachAudio(event.peerconnection));
    // One transfer at a time: the consulted party cannot move us elsewhere meanwhile.
    session.on("refer", (request) => request.reject());
    const number = this.consultationInfo.number;
    this.setTransferStatus(this.texts.consulting.replace("%s", number));
    session.on("progress", () => this.setTransferStatus(this.texts.transferRinging.replace("%s", number)));
    session.on("confirmed", () => {
      this.setTransferStatus(this.texts.consultConnected.replace("%s", number));
      byId("transfer-complete").hidden = false;
    });
    byId("transfer-cancel").hidden = false;
    // While consulting, the panel offers what ends the consultation, nothing else.
    byId("transfer-submit").hidden = true;
    byId("transfer-consult").hidden = true;
    const over = (text) => {
      if (this.consultation !== session) return;
      this.consultation = null;
      this.consultationInfo = null;
      byId("transfer-complete").hidden = true;
      byId("transfer-cancel").hidden = true;
      byId("transfer-submit").hidden = false;
      byId("transfer-consult").hidden = false;
      this.setTransferBusy(false);
      // Hung up by Cancel: nothing to report, the first call is coming back.
      if (text && !session.officinaCancelled) this.setTransferStatus(text);
      this.addRecent({ number, name: "", direction: "outgoing", answered: session.start_time !== null });
    };
    session.on("ended", () => over(this.transferredTo ? "" : this.texts.consultEnded));
    session.on("failed", (event) => over(this.texts.transferFailed.replace("%s", this.failureText(event, number))));
  }

  completeTransfer() {
    const consultation = this.consultation;
    if (!this.session || !consultation || !consultation.isEstablished()) return;
    const number = this.consultationInfo.number;
    byId("transfer-complete").hidden = true;
    this.referFor(this.session, this.sipUri(number), number, consultation);
  }

  cancelTransfer() {
    if (this.consultation) {
      this.consultation.officinaCancelled = true;
      this.consultation.terminate();
    }
    if (this.session && this.session.isOnHold().local) this.toggleHold();
    this.closeTransfer();
    this.setTransferStatus("");
  }

  closeTransfer() {
    byId("transfer").hidden = true;
    byId("transfer-open").setAttribute("aria-expanded", "false");
    byId("transfer-number").value = "";
    byId("transfer-complete").hidden = true;
    byId("transfer-cancel").hidden = true;
    byId("transfer-submit").hidden = false;
    byId("transfer-consult").hidden = false;
    this.setTransferBusy(false);
  }

  setTransferBusy(busy) {
    byId("transfer-submit").disabled = busy;
    byId("transfer-consult").disabled = busy;
  }

  setTransferStatus(text) {
    byId("transfer-status").textContent = text;
  }

  async showIncoming() {
    const info = this.sessionInfo;
    byId("incoming-name").textContent = info.name || info.number;
    byId("incoming-number").textContent = info.number;
    byId("incoming").hidden = false;
    this.post({ type: "incoming", number: info.number, name: info.name });
    // The number is the one the PBX authenticated; the name beside it in the INVITE is
    // the caller's own say: show the member's name as Officina knows it.
    const name = await this.lookUpName(info.number);
    if (name && this.sessionInfo === info) {
      info.name = name;
      byId("incoming-name").textContent = name;
      this.post({ type: "incoming", number: info.number, name });
    }
  }

  async lookUpName(number) {
    const template = this.credentialForm.dataset.callerUrl;
    try {
      const response = await fetch(template.replace(/0\/$/, `${encodeURIComponent(number)}/`), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return "";
      return (await response.json()).name || "";
    } catch (_error) {
      return "";
    }
  }

  answer() {
    if (!this.session || this.sessionInfo.direction !== "incoming" || this.session.isEstablished()) {
      return;
    }
    byId("incoming").hidden = true;
    this.post({ type: "incoming-over" });
    this.showCall(this.texts.connected);
    this.session.answer(this.callOptions());
  }

  decline() {
    if (this.session && this.sessionInfo.direction === "incoming" && !this.session.isEstablished()) {
      this.session.terminate({ status_code: 603 });
    }
  }

  attachAudio(connection) {
    if (connection.officinaAttached) return;
    connection.officinaAttached = true;
    connection.addEventListener("track", (event) => {
      const audio = byId("remote-audio");
      audio.srcObject = event.streams[0] || new MediaStream([event.track]);
      audio.play().catch(() => {});
    });
  }

  onAccepted() {
    if (this.sessionInfo.answered) return;
    this.sessionInfo.answered = true;
    this.sessionInfo.answeredAt = Date.now();
    this.setCallState(this.texts.connected);
    // Transferred, and now talking to whom we were sent to: the call line says so (its
    // number), the "being transferred" line is over.
    if (this.sessionInfo.referred) this.setTransferStatus("");
    // A transfer's new call follows the old one in the same display: one timer each.
    clearInterval(this.timer);
    clearInterval(this.statsTimer);
    this.timer = setInterval(() => this.showDuration(), 1000);
    // Microphones have names (and ids) only once the site may use one: list them now.
    this.listMicrophones();
    this.statsTimer = setInterval(() => this.showAudioCounters(), 1000);
  }

  onHoldChanged() {
    const held = this.session.isOnHold();
    const holding = held.local;
    byId("hold").textContent = holding ? this.texts.resume : this.texts.hold;
    byId("hold").setAttribute("aria-pressed", String(holding));
    this.setCallState(held.local || held.remote ? this.texts.onHold : this.texts.connected);
  }

  onMuteChanged() {
    const muted = this.session.isMuted().audio;
    byId("mute").textContent = muted ? this.texts.unmute : this.texts.mute;
    byId("mute").setAttribute("aria-pressed", String(muted));
  }

  toggleHold() {
    if (!this.session || !this.session.isEstablished()) return;
    // JsSIP ignores a hold or resume asked while a re-INVITE awaits its answer, and says
    // "on hold" before the answer comes: the button waits for that answer, so a quick
    // second press (resume right after hold) is taken, not silently lost.
    const button = byId("hold");
    const settled = () => {
      button.disabled = false;
    };
    button.disabled = true;
    const session = this.session;
    onceConfirmed(session, () => {
      const asked = retryingCrossedOffers(session, () =>
        session.isOnHold().local ? session.unhold({}, settled) : session.hold({}, settled),
      );
      if (!asked) settled();
    });
  }

  toggleMute() {
    if (!this.session || !this.session.isEstablished()) return;
    if (this.session.isMuted().audio) this.session.unmute({ audio: true });
    else this.session.mute({ audio: true });
  }

  // Why the call to ``number`` failed, as ``event`` (JsSIP's, or the like) tells.
  failureText(event, number) {
    const status = event && event.message && event.message.status_code;
    if (isPickedUp(event)) return this.texts.pickingUp;
    if (status === 486 || status === 600) return this.texts.busy;
    // A number with its country code is no extension: the PBX found no way out to it
    // (phonenumbers holds it invalid, or the member's company has no trunk).
    if (status === 404 && number.startsWith("+")) return this.texts.notFoundOutside;
    if (status === 404 || status === 484) return this.texts.notFound;
    // The company's guard on calls out says why in a Warning (the number's class,
    // today's minutes), passed on by the desk's bridge too; a pickup of another
    // company's extension has none of these.
    if (status === 403) return this.texts[refusalOf(event.message.getHeader("Warning") || "")];
    // The Warning the proxy adds when the callee's phones cannot take a browser's call
    // without rtpengine (NO_MEDIA_BRIDGE in officina/pbx/anchoring.py).
    const warning = status === 480 ? event.message.getHeader("Warning") || "" : "";
    if (warning.includes("without a media bridge")) return this.texts.noMediaBridge;
    if (status === 480 || status === 408) return this.texts.unavailable;
    if (status === 603) return this.texts.rejected;
    if (event && event.cause === JsSIP.C.causes.USER_DENIED_MEDIA_ACCESS) return this.texts.noMicrophone;
    if (event && event.originator === "local") return this.texts.ended;
    return this.texts.callFailed;
  }

  onSessionEnded(session, info, text, previous) {
    if (!this.isCurrent(session)) {
      // A call a transfer took over: only the recent calls still show it.
      this.addRecent(info);
      return;
    }
    if (previous && !previous.session.isEnded()) {
      // The call a REFER asked for failed: the transferor's call is still ours.
      this.addRecent(info);
      this.session = previous.session;
      this.sessionInfo = previous.info;
      this.showCall(this.texts.connected);
      this.setTransferStatus(this.texts.transferFailed.replace("%s", text));
      return;
    }
    if (this.transferredTo) text = this.texts.transferDone.replace("%s", this.transferredTo);
    this.transferredTo = null;
    if (this.consultation) this.consultation.terminate();
    this.closeTransfer();
    this.setTransferStatus("");
    this.onEnded(text);
  }

  onEnded(text) {
    const info = this.sessionInfo;
    clearInterval(this.timer);
    clearInterval(this.statsTimer);
    this.showAudioCounters();
    this.session = null;
    this.sessionInfo = null;
    byId("incoming").hidden = true;
    byId("in-call").hidden = true;
    this.resetCallButtons();
    this.post({ type: "incoming-over" });
    this.setState("registered", text);
    if (info) this.addRecent(info);
  }

  // ------------------------------------------------------------------ display
  resetCallButtons() {
    byId("hold").textContent = this.texts.hold;
    byId("hold").setAttribute("aria-pressed", "false");
    byId("hold").disabled = false;
    byId("mute").textContent = this.texts.mute;
    byId("mute").setAttribute("aria-pressed", "false");
  }

  showCall(state) {
    const info = this.sessionInfo;
    byId("call-name").textContent = info.name || info.number;
    byId("call-number").textContent = info.name ? info.number : "";
    byId("call-timer").textContent = "";
    byId("in-call").hidden = false;
    this.setCallState(state);
    if (info.direction === "incoming") return;
    // An outgoing call's name: the member as Officina knows them.
    this.lookUpName(info.number).then((name) => {
      if (name && this.sessionInfo === info) {
        info.name = name;
        byId("call-name").textContent = name;
        byId("call-number").textContent = info.number;
      }
    });
  }

  setCallState(text) {
    byId("call-state").textContent = text;
  }

  showDuration() {
    if (!this.sessionInfo || !this.sessionInfo.answeredAt) return;
    const seconds = Math.floor((Date.now() - this.sessionInfo.answeredAt) / 1000);
    byId("call-timer").textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  }

  async showAudioCounters() {
    const connection = this.session && this.session.connection;
    if (!connection) return;
    let received = 0;
    let sent = 0;
    const report = await connection.getStats();
    report.forEach((entry) => {
      if (entry.kind !== "audio" && entry.mediaType !== "audio") return;
      if (entry.type === "inbound-rtp") received += entry.bytesReceived || 0;
      if (entry.type === "outbound-rtp") sent += entry.bytesSent || 0;
    });
    const counters = byId("call-audio");
    counters.dataset.bytesReceived = String(received);
    counters.dataset.bytesSent = String(sent);
    byId("audio-received").textContent = (received / 1000).toFixed(1);
    byId("audio-sent").textContent = (sent / 1000).toFixed(1);
  }

  addRecent(info) {
    const list = byId("recent-calls");
    const empty = byId("no-recent-calls");
    if (empty) empty.remove();
    const item = document.createElement("li");
    const again = document.createElement("button");
    again.type = "button";
    again.className = "link";
    again.dataset.keyDial = info.number;
    again.textContent = info.name ? `${info.number} · ${info.name}` : info.number;
    const meta = document.createElement("span");
    meta.className = "small muted";
    const direction = info.direction === "incoming" && !info.answered ? this.texts.missed : this.texts[info.direction];
    const when = shownMoment(new Date(), this.texts.momentFormat, this.texts.momentZone);
    meta.textContent = ` ${direction} · ${when}`;
    item.append(again, meta);
    list.prepend(item);
    while (list.children.length > RECENT_LIMIT) list.lastElementChild.remove();
  }

  setState(state, text) {
    const element = byId("softphone-state");
    element.dataset.state = state;
    element.textContent = text;
    byId("call").disabled = state !== "registered";
  }

  showError(text) {
    const element = byId("softphone-error");
    element.textContent = text;
    element.hidden = false;
  }

  hideError() {
    byId("softphone-error").hidden = true;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  window.officinaPhone = new BrowserPhone();
  window.officinaPhone.start();
});
