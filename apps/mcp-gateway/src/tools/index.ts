import type { Tool } from "./define-tool.js";
import { archiveChat } from "./archive-chat.js";
import { cancelCampaign } from "./cancel-campaign.js";
import { checkCompliance } from "./check-compliance.js";
import { checkConversation } from "./check-conversation.js";
import { checkFrequencyCap } from "./check-frequency-cap.js";
import { createTemplate } from "./create-template.js";
import { estimateCost } from "./estimate-cost.js";
import { estimatePricing } from "./estimate-pricing.js";
import { explainError } from "./explain-error.js";
import { getAccountQuality } from "./get-account-quality.js";
import { getApproval } from "./get-approval.js";
import { getCampaign } from "./get-campaign.js";
import { getCustomerContext } from "./get-customer-context.js";
import { getDeliveryStatus } from "./get-delivery-status.js";
import { getMedia } from "./get-media.js";
import { getRateLimit } from "./get-rate-limit.js";
import { listConversations } from "./list-conversations.js";
import { listMessages } from "./list-messages.js";
import { listTemplates } from "./list-templates.js";
import { markRead } from "./mark-read.js";
import { pauseCampaign } from "./pause-campaign.js";
import { reactToMessage } from "./react-to-message.js";
import { replyCustomer } from "./reply-customer.js";
import { resumeCampaign } from "./resume-campaign.js";
import { retryFailedMessages } from "./retry-failed-messages.js";
import { scheduleCampaign } from "./schedule-campaign.js";
import { scheduleMessage } from "./schedule-message.js";
import { sendInteractive } from "./send-interactive.js";
import { sendLocation } from "./send-location.js";
import { sendMedia } from "./send-media.js";
import { sendMessage } from "./send-message.js";
import { sendTemplate } from "./send-template.js";
import { syncTemplateStatus } from "./sync-template-status.js";
import { syncWebhooks } from "./sync-webhooks.js";
import { tagCustomer } from "./tag-customer.js";
import { updateConsent } from "./update-consent.js";
import { uploadMedia } from "./upload-media.js";
import { waitForMessages } from "./wait-for-messages.js";

/** Every tool the gateway offers, in the order of spec/tools.md. */
export const TOOLS: readonly Tool[] = [
  // actions
  checkCompliance,
  sendMessage,
  sendTemplate,
  sendMedia,
  sendInteractive,
  sendLocation,
  reactToMessage,
  markRead,
  replyCustomer,
  retryFailedMessages,
  explainError,
  syncTemplateStatus,
  // read-only intelligence
  checkConversation,
  checkFrequencyCap,
  getCustomerContext,
  getDeliveryStatus,
  getRateLimit,
  listConversations,
  listTemplates,
  // scheduling and campaigns
  scheduleMessage,
  scheduleCampaign,
  pauseCampaign,
  cancelCampaign,
  resumeCampaign,
  getCampaign,
  getApproval,
  // account and cost
  getAccountQuality,
  estimateCost,
  estimatePricing,
  // operations
  createTemplate,
  syncWebhooks,
  archiveChat,
  // customer data
  updateConsent,
  tagCustomer,
  // media and reading conversations
  uploadMedia,
  getMedia,
  listMessages,
  waitForMessages,
];
